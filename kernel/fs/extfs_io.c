/* A libext2fs io_manager over the ubd block layer: channel names are
 * "ubd:<dev_t>", and every read and write goes through the block cache. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fs/extfs.h"
#include "block/ubd.h"
#include "block/partition.h"

struct ext_io {
	int unit;
	uint64_t start, len;		/* the partition's extent on the unit */
	struct struct_io_stats stats;
};

static struct struct_io_manager ext_io_mgr;
io_manager ext_io_manager = &ext_io_mgr;

static errcode_t eio_open(const char *name, int flags, io_channel *channel)
{
	unsigned long long dev;
	struct ext_io *priv;
	io_channel io;
	int unit;

	if (!name || sscanf(name, "ubd:%llu", &dev) != 1)
		return EXT2_ET_BAD_DEVICE_NAME;
	uint64_t start, len;

	if (ubd_dev_extent((dev_t)dev, &unit, &start, &len) < 0)
		return EXT2_ET_BAD_DEVICE_NAME;
	if ((flags & IO_FLAG_RW) && ubd_readonly(unit))
		return EROFS;
	io = calloc(1, sizeof(*io));
	priv = calloc(1, sizeof(*priv));
	if (io)
		io->name = strdup(name);
	if (!io || !priv || !io->name) {
		if (io)
			free(io->name);
		free(io);
		free(priv);
		return EXT2_ET_NO_MEMORY;
	}
	priv->unit = unit;
	priv->start = start;
	priv->len = len;
	priv->stats.num_fields = 2;
	io->magic = EXT2_ET_MAGIC_IO_CHANNEL;
	io->manager = &ext_io_mgr;
	io->block_size = 1024;
	io->refcount = 1;
	io->flags = CHANNEL_FLAGS_BLOCK_DEVICE;
	io->private_data = priv;
	*channel = io;
	return 0;
}

static errcode_t eio_close(io_channel io)
{
	if (--io->refcount > 0)
		return 0;
	free(io->private_data);
	free(io->name);
	free(io);
	return 0;
}

static errcode_t eio_set_blksize(io_channel io, int blksize)
{
	if (blksize <= 0)
		return EXT2_ET_INVALID_ARGUMENT;
	io->block_size = blksize;
	return 0;
}

static size_t xfer_size(io_channel io, int count)
{
	return count < 0 ? (size_t)-count : (size_t)count * io->block_size;
}

/* I/O on the partition's extent: a range past its end fails. */
static int part_read(struct ext_io *priv, uint64_t off, void *data, size_t size)
{
	if (off + size > priv->len || off + size < off)
		return -EIO;
	return ubd_read(priv->unit, priv->start + off, data, size);
}

static int part_write(struct ext_io *priv, uint64_t off, const void *data, size_t size)
{
	if (off + size > priv->len || off + size < off)
		return -EIO;
	return ubd_write(priv->unit, priv->start + off, data, size);
}

static errcode_t eio_read_blk64(io_channel io, unsigned long long block,
				int count, void *data)
{
	struct ext_io *priv = io->private_data;
	size_t size = xfer_size(io, count);
	int ret = part_read(priv, block * io->block_size, data, size);

	if (ret < 0) {
		memset(data, 0, size);
		if (io->read_error)
			return io->read_error(io, block, count, data, size, 0,
					      EXT2_ET_SHORT_READ);
		return EXT2_ET_SHORT_READ;
	}
	priv->stats.bytes_read += size;
	return 0;
}

static errcode_t eio_write_blk64(io_channel io, unsigned long long block,
				 int count, const void *data)
{
	struct ext_io *priv = io->private_data;
	size_t size = xfer_size(io, count);
	int ret = part_write(priv, block * io->block_size, data, size);

	if (ret < 0) {
		if (io->write_error)
			return io->write_error(io, block, count, data, size, 0,
					       EXT2_ET_SHORT_WRITE);
		return ret == -EROFS ? EXT2_ET_RO_FILSYS : EXT2_ET_SHORT_WRITE;
	}
	priv->stats.bytes_written += size;
	return 0;
}

static errcode_t eio_read_blk(io_channel io, unsigned long block, int count,
			      void *data)
{
	return eio_read_blk64(io, block, count, data);
}

static errcode_t eio_write_blk(io_channel io, unsigned long block, int count,
			       const void *data)
{
	return eio_write_blk64(io, block, count, data);
}

static errcode_t eio_write_byte(io_channel io, unsigned long offset, int count,
				const void *data)
{
	struct ext_io *priv = io->private_data;

	if (count < 0)
		return EXT2_ET_INVALID_ARGUMENT;
	if (part_write(priv, offset, data, count) < 0)
		return EXT2_ET_SHORT_WRITE;
	priv->stats.bytes_written += count;
	return 0;
}

static errcode_t eio_flush(io_channel io)
{
	struct ext_io *priv = io->private_data;

	if (ubd_readonly(priv->unit))
		return 0;
	return ubd_flush(priv->unit) < 0 ? EXT2_ET_SHORT_WRITE : 0;
}

static errcode_t eio_set_option(io_channel io, const char *option,
				const char *arg)
{
	return EXT2_ET_INVALID_ARGUMENT;
}

static errcode_t eio_get_stats(io_channel io, io_stats *stats)
{
	struct ext_io *priv = io->private_data;

	if (stats)
		*stats = &priv->stats;
	return 0;
}

static struct struct_io_manager ext_io_mgr = {
	.magic = EXT2_ET_MAGIC_IO_MANAGER,
	.name = "umlinux ubd I/O manager",
	.open = eio_open,
	.close = eio_close,
	.set_blksize = eio_set_blksize,
	.read_blk = eio_read_blk,
	.write_blk = eio_write_blk,
	.flush = eio_flush,
	.write_byte = eio_write_byte,
	.set_option = eio_set_option,
	.get_stats = eio_get_stats,
	.read_blk64 = eio_read_blk64,
	.write_blk64 = eio_write_blk64,
};
