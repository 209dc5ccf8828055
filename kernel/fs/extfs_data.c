/* ext2/3/4 file data. Files mapped by extents are read and written in
 * whole extent runs straight through the io channel: libext2fs's own
 * ext2fs_file_* maps (and checksums the extent leaf) once per block, which
 * made large transfers crawl. Other files (block-mapped, inline data,
 * bigalloc) go through ext2fs_file_*. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "fs/extfs.h"

#define EXT_IO_MAX	(1u << 30)	/* ext2fs_file_* take unsigned int */

/* A run of logical blocks starting at the one asked for: mapped to
 * consecutive physical blocks (pblk != 0), or a hole or unwritten extent
 * (pblk == 0, reads as zeros). */
struct ext_run {
	blk64_t pblk;
	blk64_t len;
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
	if (!(e.e_flags & EXT2_EXTENT_FLAGS_UNINIT))
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

/* Copy [off, off+len) of the file into buf (len already clipped to EOF). */
static ssize_t read_runs(ext2_filsys fs, ext2_ino_t ino, struct ext2_inode_large *raw,
			 char *buf, size_t len, uint64_t off)
{
	unsigned bs = fs->blocksize;
	ext2_extent_handle_t h;
	char *bounce = NULL;
	struct ext_run run;
	size_t done = 0;
	errcode_t err;

	err = ext2fs_extent_open2(fs, ino, (struct ext2_inode *)raw, &h);
	if (err)
		return ext_errno(err);
	while (done < len) {
		uint64_t pos = off + done;
		blk64_t lblk = pos / bs;
		size_t boff = pos % bs, n;

		err = ext_map(h, lblk, &run);
		if (err)
			break;
		n = run.len * bs - boff;
		if (n > len - done)
			n = len - done;
		if (!run.pblk) {
			memset(buf + done, 0, n);
		} else if (!boff && n >= bs) {
			n -= n % bs;
			err = io_channel_read_blk64(fs->io, run.pblk, n / bs, buf + done);
		} else {
			if (!bounce && !(bounce = malloc(bs))) {
				err = EXT2_ET_NO_MEMORY;
				break;
			}
			if (n > bs - boff)
				n = bs - boff;
			err = io_channel_read_blk64(fs->io, run.pblk, 1, bounce);
			if (!err)
				memcpy(buf + done, bounce + boff, n);
		}
		if (err)
			break;
		done += n;
	}
	free(bounce);
	ext2fs_extent_free(h);
	if (err && !done)
		return ext_errno(err);
	return done;
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

/* Write into blocks that are mapped and initialised; stops at the first
 * block that is not. Partial blocks are read, patched and written back. */
static size_t write_runs(ext2_filsys fs, ext2_ino_t ino, struct ext2_inode_large *raw,
			 const char *buf, size_t len, uint64_t off, errcode_t *errp)
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
		if (err || !run.pblk)
			break;
		n = run.len * bs - boff;
		if (n > len - done)
			n = len - done;
		if (!boff && n >= bs) {
			n -= n % bs;
			err = io_channel_write_blk64(fs->io, run.pblk, n / bs, buf + done);
		} else {
			if (!bounce && !(bounce = malloc(bs))) {
				err = EXT2_ET_NO_MEMORY;
				break;
			}
			if (n > bs - boff)
				n = bs - boff;
			err = io_channel_read_blk64(fs->io, run.pblk, 1, bounce);
			if (!err) {
				memcpy(bounce + boff, buf + done, n);
				err = io_channel_write_blk64(fs->io, run.pblk, 1, bounce);
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
	if (!ext_fast_ok(fs, &raw))
		return write_slow(fs, ino, buf, len, off);
	/*
	 * Allocate every missing block of the range in one call, as
	 * initialised, zeroed extents (so the unwritten part of a partial
	 * block reads as zeros). It may fall short (ENOSPC); what stays
	 * unmapped is left to the slow path, which reports the error.
	 */
	first = off / bs;
	last = (off + len - 1) / bs;
	ext2fs_fallocate(fs, EXT2_FALLOCATE_FORCE_INIT | EXT2_FALLOCATE_ZERO_BLOCKS |
			 EXT2_FALLOCATE_INIT_BEYOND_EOF, ino->ino,
			 (struct ext2_inode *)&raw, ~0ULL, first, last - first + 1);
	done = write_runs(fs, ino->ino, &raw, buf, len, off, &err);
	if (done && off + done > EXT2_I_SIZE(&raw))
		ext2fs_inode_size_set(fs, (struct ext2_inode *)&raw, off + done);
	ret = ext_write_raw(fs, ino->ino, &raw);
	ext_fill(ino, &raw);
	if (ret < 0 && !done)
		return ret;
	if (done < len && !err) {
		ssize_t more = write_slow(fs, ino, (const char *)buf + done,
					  len - done, off + done);

		if (more < 0)
			return done ? (ssize_t)done : more;
		return done + more;
	}
	if (err && !done)
		return ext_errno(err);
	return done;
}
