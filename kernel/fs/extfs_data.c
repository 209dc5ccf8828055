/* ext2/3/4 file data. Files mapped by extents are read and written in
 * whole extent runs straight through the io channel: libext2fs's own
 * ext2fs_file_* maps (and checksums the extent leaf) once per block, which
 * made large transfers crawl. Other files (block-mapped, inline data,
 * bigalloc) go through ext2fs_file_*.
 *
 * fallocate preallocates extent files with unwritten (uninit) extents,
 * which read as zeros without the blocks being written; a write into one
 * first turns its part into zeroed, initialised blocks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/falloc.h>
#include "fs/extfs.h"
#include "lib/ktime.h"

#define EXT_IO_MAX	(1u << 30)	/* ext2fs_file_* take unsigned int */
#define WRITE_CHUNK_BLOCKS	4096	/* blocks allocated per step of a write */

/* A run of logical blocks starting at the one asked for: mapped to
 * consecutive physical blocks (pblk != 0), or a hole or unwritten extent
 * (pblk == 0, reads as zeros; uninit tells which). */
struct ext_run {
	blk64_t pblk;
	blk64_t len;
	bool uninit;
};

static bool ext_fast_ok(ext2_filsys fs, const struct ext2_inode_large *raw)
{
	return (raw->i_flags & EXT4_EXTENTS_FL) &&
	       !(raw->i_flags & EXT4_INLINE_DATA_FL) &&
	       EXT2FS_CLUSTER_RATIO(fs) == 1;
}

static errcode_t ext_map(ext2_extent_handle_t h, blk64_t lblk, struct ext_run *run)
{
	struct ext2fs_extent e;
	errcode_t err;

	run->pblk = 0;
	run->len = 1;
	run->uninit = false;
	err = ext2fs_extent_goto2(h, 0, lblk);
	if (err == EXT2_ET_EXTENT_NOT_FOUND)
		return 0;		/* a hole */
	if (err)
		return err;
	err = ext2fs_extent_get(h, EXT2_EXTENT_CURRENT, &e);
	if (err)
		return err;
	if (lblk < e.e_lblk || lblk >= e.e_lblk + e.e_len)
		return 0;
	run->len = e.e_lblk + e.e_len - lblk;
	if (e.e_flags & EXT2_EXTENT_FLAGS_UNINIT)
		run->uninit = true;
	else
		run->pblk = e.e_pblk + (lblk - e.e_lblk);
	return 0;
}

static ssize_t read_slow(ext2_filsys fs, struct inode *ino, void *buf, size_t len,
			 uint64_t off)
{
	ext2_file_t f;
	unsigned int got = 0;
	errcode_t err;

	err = ext2fs_file_open(fs, ino->ino, 0, &f);
	if (err)
		return ext_errno(err);
	err = ext2fs_file_llseek(f, off, EXT2_SEEK_SET, NULL);
	if (!err)
		err = ext2fs_file_read(f, buf, len, &got);
	ext2fs_file_close(f);
	if (err && !got)
		return ext_errno(err);
	return got;
}

/*
 * Move [off, off+len) between buf and the file's blocks, a mapped run at
 * a time. Reading, holes and unwritten extents read as zeros (len is
 * already clipped to EOF); writing stops at the first block that is not
 * mapped and initialised. Partial blocks go through a bounce block (read,
 * patched and written back when writing). Returns the bytes moved; *errp
 * is the error that stopped it, if any.
 */
static size_t copy_runs(ext2_filsys fs, ext2_ino_t ino, struct ext2_inode_large *raw,
			char *buf, size_t len, uint64_t off, bool write, errcode_t *errp)
{
	unsigned bs = fs->blocksize;
	ext2_extent_handle_t h;
	char *bounce = NULL;
	struct ext_run run;
	size_t done = 0;
	errcode_t err;

	err = ext2fs_extent_open2(fs, ino, (struct ext2_inode *)raw, &h);
	if (err) {
		*errp = err;
		return 0;
	}
	while (done < len) {
		uint64_t pos = off + done;
		size_t boff = pos % bs, n;

		err = ext_map(h, pos / bs, &run);
		if (err || (write && !run.pblk))
			break;
		n = run.len * bs - boff;
		if (n > len - done)
			n = len - done;
		if (!run.pblk) {
			memset(buf + done, 0, n);
		} else if (!boff && n >= bs) {
			n -= n % bs;
			err = write ? io_channel_write_blk64(fs->io, run.pblk, n / bs, buf + done)
				    : io_channel_read_blk64(fs->io, run.pblk, n / bs, buf + done);
		} else {
			if (!bounce && !(bounce = malloc(bs))) {
				err = EXT2_ET_NO_MEMORY;
				break;
			}
			if (n > bs - boff)
				n = bs - boff;
			err = io_channel_read_blk64(fs->io, run.pblk, 1, bounce);
			if (!err && write) {
				memcpy(bounce + boff, buf + done, n);
				err = io_channel_write_blk64(fs->io, run.pblk, 1, bounce);
			} else if (!err) {
				memcpy(buf + done, bounce + boff, n);
			}
		}
		if (err)
			break;
		done += n;
	}
	free(bounce);
	ext2fs_extent_free(h);
	*errp = err;
	return done;
}

static ssize_t read_runs(ext2_filsys fs, ext2_ino_t ino, struct ext2_inode_large *raw,
			 char *buf, size_t len, uint64_t off)
{
	errcode_t err;
	size_t done = copy_runs(fs, ino, raw, buf, len, off, false, &err);

	if (err && !done)
		return ext_errno(err);
	return done;
}

static size_t write_runs(ext2_filsys fs, ext2_ino_t ino, struct ext2_inode_large *raw,
			 const char *buf, size_t len, uint64_t off, errcode_t *errp)
{
	return copy_runs(fs, ino, raw, (char *)buf, len, off, true, errp);
}

ssize_t ext_read(struct inode *ino, void *buf, size_t len, uint64_t off)
{
	ext2_filsys fs = EXT_FS(ino->sb);
	struct ext2_inode_large raw;
	int ret;

	if (S_ISDIR(ino->mode))
		return -EISDIR;
	if (len > EXT_IO_MAX)
		len = EXT_IO_MAX;
	if (off >= ino->size || !len)
		return 0;
	ret = ext_read_raw(fs, ino->ino, &raw);
	if (ret < 0)
		return ret;
	if (!ext_fast_ok(fs, &raw))
		return read_slow(fs, ino, buf, len, off);
	if (off >= EXT2_I_SIZE(&raw))
		return 0;
	if (len > EXT2_I_SIZE(&raw) - off)
		len = EXT2_I_SIZE(&raw) - off;
	return read_runs(fs, ino->ino, &raw, buf, len, off);
}

static ssize_t write_slow(ext2_filsys fs, struct inode *ino, const void *buf,
			  size_t len, uint64_t off)
{
	ext2_file_t f;
	unsigned int done = 0;
	errcode_t err, cerr;

	err = ext2fs_file_open(fs, ino->ino, EXT2_FILE_WRITE, &f);
	if (err)
		return ext_errno(err);
	err = ext2fs_file_llseek(f, off, EXT2_SEEK_SET, NULL);
	if (!err)
		err = ext2fs_file_write(f, buf, len, &done);
	cerr = ext2fs_file_close(f);
	if (!err)
		err = cerr;
	ext_refresh(ino);
	if (err && !done)
		return ext_errno(err);
	return done;
}


/* Allocate blocks [lblk, lblk+n) that are holes as initialised extents
 * filled with zeros (also past EOF: a write is about to cover them). */
static errcode_t alloc_written(ext2_filsys fs, ext2_ino_t ino,
			       struct ext2_inode_large *raw, blk64_t lblk, blk64_t n)
{
	return ext2fs_fallocate(fs, EXT2_FALLOCATE_FORCE_INIT | EXT2_FALLOCATE_ZERO_BLOCKS |
				EXT2_FALLOCATE_INIT_BEYOND_EOF, ino,
				(struct ext2_inode *)raw, ~0ULL, lblk, n);
}

/*
 * A write stopped at lblk. If an unwritten extent starts there, replace
 * its part up to last by zeroed, initialised blocks (punch and allocate:
 * libext2fs has no call that converts a piece of an extent) and set
 * *again. Its content is zeros either way.
 */
static errcode_t make_written(ext2_filsys fs, ext2_ino_t ino,
			      struct ext2_inode_large *raw, blk64_t lblk,
			      blk64_t last, bool *again)
{
	ext2_extent_handle_t h;
	struct ext_run run;
	errcode_t err;
	blk64_t n;

	*again = false;
	err = ext2fs_extent_open2(fs, ino, (struct ext2_inode *)raw, &h);
	if (err)
		return err;
	err = ext_map(h, lblk, &run);
	ext2fs_extent_free(h);
	if (err || !run.uninit)
		return err;
	n = run.len < last - lblk + 1 ? run.len : last - lblk + 1;
	err = ext2fs_punch(fs, ino, (struct ext2_inode *)raw, NULL, lblk, lblk + n - 1);
	if (!err)
		err = alloc_written(fs, ino, raw, lblk, n);
	*again = !err;
	return err;
}

/* Linux's limits: 2^32 - 1 blocks with extents; through the triple
 * indirect block otherwise. */
static uint64_t max_file_size(ext2_filsys fs, const struct ext2_inode_large *raw)
{
	uint64_t apb = fs->blocksize / 4, blocks = (1ULL << 32) - 1;

	if (!(raw->i_flags & EXT4_EXTENTS_FL)) {
		uint64_t ind = EXT2_NDIR_BLOCKS + apb + apb * apb + apb * apb * apb;

		if (ind < blocks)
			blocks = ind;
	}
	return blocks * fs->blocksize;
}

/* A write that fell short (ENOSPC, EIO) may leave blocks it allocated
 * for [first, last] past the file's end, which e2fsck calls an error:
 * give those back. Blocks inside the file stay (zeroed, as a hole read). */
static void drop_blocks_past_eof(ext2_filsys fs, struct inode *ino, blk64_t first,
				 blk64_t last)
{
	struct ext2_inode_large raw;
	blk64_t keep, from;

	if (ext_read_raw(fs, ino->ino, &raw) < 0)
		return;
	keep = (EXT2_I_SIZE(&raw) + fs->blocksize - 1) / fs->blocksize;
	from = first > keep ? first : keep;
	if (from > last)
		return;
	if (!ext2fs_punch(fs, ino->ino, (struct ext2_inode *)&raw, NULL, from, last))
		ext_write_raw(fs, ino->ino, &raw);
	ext_fill(ino, &raw);
}

ssize_t ext_write(struct inode *ino, const void *buf, size_t len, uint64_t off)
{
	ext2_filsys fs = EXT_FS(ino->sb);
	struct ext2_inode_large raw;
	unsigned bs = fs->blocksize;
	blk64_t first, last;
	errcode_t err;
	size_t done;
	int ret;

	if (ext_rdonly(ino))
		return -EROFS;
	if (S_ISDIR(ino->mode))
		return -EISDIR;
	if (len > EXT_IO_MAX)
		len = EXT_IO_MAX;
	if (!len)
		return 0;
	ret = ext_read_raw(fs, ino->ino, &raw);
	if (ret < 0)
		return ret;
	/* As Linux's generic_write_checks: nothing at or past the largest
	 * file, a shorter write up to it (libext2fs would wrap the block
	 * numbers). */
	if (off >= max_file_size(fs, &raw))
		return -EFBIG;
	if (len > max_file_size(fs, &raw) - off)
		len = max_file_size(fs, &raw) - off;
	if (!ext_fast_ok(fs, &raw))
		return write_slow(fs, ino, buf, len, off);
	/*
	 * Allocate the missing blocks of each chunk in one call, as
	 * initialised, zeroed extents (so the unwritten part of a partial
	 * block reads as zeros); a piece of an unwritten extent is made
	 * written first. Chunks keep a huge write from claiming the whole
	 * disk at once (ext2fs_fallocate refuses a range larger than the
	 * filesystem) and end the write short at ENOSPC, as Linux does.
	 */
	first = off / bs;
	last = (off + len - 1) / bs;
	done = 0;
	err = 0;
	while (done < len) {
		blk64_t from = (off + done) / bs;
		blk64_t to = last - from < WRITE_CHUNK_BLOCKS ? last : from + WRITE_CHUNK_BLOCKS - 1;
		size_t n;

		alloc_written(fs, ino->ino, &raw, from, to - from + 1);
		n = write_runs(fs, ino->ino, &raw, (const char *)buf + done, len - done,
			       off + done, &err);
		if (!n && !err) {
			bool again;

			err = make_written(fs, ino->ino, &raw, from, to, &again);
			if (again)
				n = write_runs(fs, ino->ino, &raw, (const char *)buf + done,
					       len - done, off + done, &err);
		}
		done += n;
		if (!n || err)
			break;
	}
	if (done && off + done > EXT2_I_SIZE(&raw))
		ext2fs_inode_size_set(fs, (struct ext2_inode *)&raw, off + done);
	ret = ext_write_raw(fs, ino->ino, &raw);
	ext_fill(ino, &raw);
	if (done < len)
		drop_blocks_past_eof(fs, ino, first, last);
	if (done)
		return done;
	if (ret < 0)
		return ret;
	return err ? ext_errno(err) : -ENOSPC;
}

/* ---- fallocate ---------------------------------------------------------- */


/* Zero [from, to), inside one block, where that block holds written data
 * (holes and unwritten extents read as zeros already). */
static errcode_t zero_in_block(ext2_filsys fs, ext2_ino_t ino,
			       struct ext2_inode_large *raw, uint64_t from, uint64_t to)
{
	unsigned bs = fs->blocksize;
	blk64_t pblk = 0;
	int flags = 0;
	errcode_t err;
	char *b;

	if (from >= to)
		return 0;
	err = ext2fs_bmap2(fs, ino, (struct ext2_inode *)raw, NULL, 0, from / bs,
			   &flags, &pblk);
	if (err || !pblk || (flags & BMAP_RET_UNINIT))
		return err;
	b = malloc(bs);
	if (!b)
		return EXT2_ET_NO_MEMORY;
	err = io_channel_read_blk64(fs->io, pblk, 1, b);
	if (!err) {
		memset(b + from % bs, 0, to - from);
		err = io_channel_write_blk64(fs->io, pblk, 1, b);
	}
	free(b);
	return err;
}

/* Zero the partial blocks at the edges of [off, end); returns the whole
 * blocks in between as [*first, *last_excl). */
static errcode_t zero_edges(ext2_filsys fs, ext2_ino_t ino, struct ext2_inode_large *raw,
			    uint64_t off, uint64_t end, blk64_t *first, blk64_t *last_excl)
{
	unsigned bs = fs->blocksize;
	uint64_t head_end, tail;
	errcode_t err;

	*first = (off + bs - 1) / bs;
	*last_excl = end / bs;
	head_end = (uint64_t)*first * bs < end ? (uint64_t)*first * bs : end;
	err = zero_in_block(fs, ino, raw, off, head_end);
	tail = (uint64_t)*last_excl * bs > head_end ? (uint64_t)*last_excl * bs : head_end;
	if (!err)
		err = zero_in_block(fs, ino, raw, tail, end);
	return err;
}

/* Preallocate blocks [first, last]: unwritten extents for an extent file
 * (zeros without writing them, and valid past EOF), zeroed blocks for a
 * block-mapped one. */
static errcode_t prealloc(ext2_filsys fs, ext2_ino_t ino, struct ext2_inode_large *raw,
			  blk64_t first, blk64_t last)
{
	int flags = (raw->i_flags & EXT4_EXTENTS_FL) ? EXT2_FALLOCATE_FORCE_UNINIT
						     : EXT2_FALLOCATE_ZERO_BLOCKS;

	return ext2fs_fallocate(fs, flags, ino, (struct ext2_inode *)raw, ~0ULL,
				first, last - first + 1);
}

/*
 * Free blocks [first, last_excl) of a block-mapped file one by one:
 * libext2fs 1.47's ext2fs_punch miscounts ranges that start inside the
 * indirect trees (it frees blocks past the range), and is only safe to
 * the end of the file.
 */
static errcode_t punch_mapped(ext2_filsys fs, ext2_ino_t ino, struct ext2_inode_large *raw,
			      blk64_t first, blk64_t last_excl)
{
	struct ext2_inode *in = (struct ext2_inode *)raw;
	blk64_t freed = 0;
	errcode_t err = 0;

	for (blk64_t lblk = first; lblk < last_excl && !err; lblk++) {
		blk64_t pblk = 0, none = 0;

		err = ext2fs_bmap2(fs, ino, in, NULL, 0, lblk, NULL, &pblk);
		if (err || !pblk)
			continue;
		err = ext2fs_bmap2(fs, ino, in, NULL, BMAP_SET, lblk, NULL, &none);
		if (err)
			break;
		ext2fs_block_alloc_stats2(fs, pblk, -1);
		freed++;
	}
	if (freed) {
		errcode_t e = ext2fs_iblk_sub_blocks(fs, in, freed);

		if (!err)
			err = e;
	}
	return err;
}

/* PUNCH_HOLE (always with KEEP_SIZE): free the whole blocks, zero the
 * partial ones; nothing past the block that holds EOF, as Linux. */
static errcode_t punch_hole(ext2_filsys fs, ext2_ino_t ino, struct ext2_inode_large *raw,
			    uint64_t off, uint64_t end)
{
	uint64_t size = EXT2_I_SIZE(raw), bs = fs->blocksize;
	blk64_t first, last_excl;
	errcode_t err;

	if (off >= size)
		return 0;
	if (end > (size + bs - 1) / bs * bs)
		end = (size + bs - 1) / bs * bs;
	err = zero_edges(fs, ino, raw, off, end, &first, &last_excl);
	if (err || first >= last_excl)
		return err;
	if (!(raw->i_flags & EXT4_EXTENTS_FL))
		return punch_mapped(fs, ino, raw, first, last_excl);
	return ext2fs_punch(fs, ino, (struct ext2_inode *)raw, NULL, first, last_excl - 1);
}

/* ZERO_RANGE: partial blocks zeroed in place, whole blocks replaced by
 * unwritten extents, holes in the range allocated. */
static errcode_t zero_range(ext2_filsys fs, ext2_ino_t ino, struct ext2_inode_large *raw,
			    uint64_t off, uint64_t end)
{
	blk64_t first, last_excl;
	errcode_t err;

	err = zero_edges(fs, ino, raw, off, end, &first, &last_excl);
	if (!err && first < last_excl)
		err = ext2fs_punch(fs, ino, (struct ext2_inode *)raw, NULL, first,
				   last_excl - 1);
	if (!err)
		err = prealloc(fs, ino, raw, off / fs->blocksize, (end - 1) / fs->blocksize);
	return err;
}

/*
 * The modes of Linux's ext4: 0 and KEEP_SIZE preallocate, PUNCH_HOLE |
 * KEEP_SIZE frees, ZERO_RANGE [| KEEP_SIZE] zeroes. Block-mapped files
 * only take mode 0 (zeroed blocks; Linux refuses, glibc's posix_fallocate
 * then writes the zeros itself) and PUNCH_HOLE.
 */
int ext_fallocate(struct inode *ino, int mode, uint64_t off, uint64_t len)
{
	ext2_filsys fs = EXT_FS(ino->sb);
	struct ext2_inode_large raw;
	bool keep = mode & FALLOC_FL_KEEP_SIZE, extents;
	int op = mode & ~FALLOC_FL_KEEP_SIZE;
	uint64_t end = off + len, old_size;
	struct timespec now = ktime_real();
	errcode_t err;
	int ret;

	if (ext_rdonly(ino))
		return -EROFS;
	if (!S_ISREG(ino->mode))
		return -ENODEV;
	if (op != 0 && op != FALLOC_FL_ZERO_RANGE &&
	    !(op == FALLOC_FL_PUNCH_HOLE && keep))
		return -EOPNOTSUPP;
	ret = ext_read_raw(fs, ino->ino, &raw);
	if (ret < 0)
		return ret;
	extents = raw.i_flags & EXT4_EXTENTS_FL;
	if (raw.i_flags & EXT4_INLINE_DATA_FL)
		return -EOPNOTSUPP;
	if (!extents && op != FALLOC_FL_PUNCH_HOLE && (keep || op))
		return -EOPNOTSUPP;
	if (end < off || end > max_file_size(fs, &raw))
		return -EFBIG;
	old_size = EXT2_I_SIZE(&raw);

	if (op == FALLOC_FL_PUNCH_HOLE) {
		err = punch_hole(fs, ino->ino, &raw, off, end);
	} else if (op == FALLOC_FL_ZERO_RANGE) {
		err = zero_range(fs, ino->ino, &raw, off, end);
	} else {
		/* Bytes past the old EOF in its block become file content. */
		err = 0;
		if (!keep && end > old_size)
			err = zero_in_block(fs, ino->ino, &raw, old_size,
					    (old_size + fs->blocksize - 1) /
					    fs->blocksize * fs->blocksize);
		if (!err)
			err = prealloc(fs, ino->ino, &raw, off / fs->blocksize,
				       (end - 1) / fs->blocksize);
		/* A block-mapped file must not keep blocks past EOF. */
		if (err && !extents && end > old_size)
			ext2fs_punch(fs, ino->ino, (struct ext2_inode *)&raw, NULL,
				     (old_size + fs->blocksize - 1) / fs->blocksize, ~0ULL);
	}
	if (!err && !keep && end > old_size)
		err = ext2fs_inode_size_set(fs, (struct ext2_inode *)&raw, end);
	if (op || (!keep && end > old_size))
		ext_set_mtime(&raw, now);
	ext_set_ctime(&raw, now);
	ret = ext_write_raw(fs, ino->ino, &raw);
	ext_fill(ino, &raw);
	if (err)
		return ext_errno(err);
	return ret;
}
