/* qprivate.h -- the qalloc facade's control block and descriptors.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* A qalloc map is an mmalloc heap file.  The facade keeps its own state
   in a control block allocated in the heap and reached through the
   heap's application key 0 (qalloc maps reserve that key):

     struct qp_ctl       magic "qallocmp", format version, kind, the
                         map's parameters, the bump index (static)
     QP_STREAM_SIZE * S  one struct qp_stream per stream (static maps):
                         a process-shared robust mutex and the head of
                         the stream's LIFO list of free items
     item area           (static maps) COUNT items of ITEMSIZE bytes

   A static map's control block and item area are one heap block,
   allocated when the map is created; the heap's capacity is set so that
   it can never grow past it.  A dynamic map's control block is a small
   block, and its requests are plain heap allocations: the engine's own
   locks and streams do the work.

   Only the public interface of mmalloc (mmalloc.h) is used.  The
   facade's descriptors live in process memory, on one list (maps.c).  */

#ifndef QPRIVATE_H
#define QPRIVATE_H 1

#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <sys/types.h>

#include <mmalloc.h>
#include "qthread/qalloc.h"

/* From the engine (attach.c), hidden: whether no other process had the
   heap file attached when this process attached it.  */
int mmi_attached_alone (void *md) __attribute__ ((visibility ("hidden")));

#if defined __GNUC__ || defined __clang__
# define QP_HIDDEN __attribute__ ((visibility ("hidden")))
#else
# define QP_HIDDEN
#endif

/* The application key holding the control block.  */
#define QP_KEY		0

#define QP_MAGIC	"qallocmp"	/* 8 bytes, no NUL */
#define QP_MAGIC_SIZE	8
#define QP_VERSION	1

#define QP_MAX_STREAMS	64

/* Map kinds; also the first byte of a descriptor.  */
#define QP_STATIC	0x53	/* 'S' */
#define QP_DYNAMIC	0x44	/* 'D' */

/* The control block's fixed part.  Fixed-width fields, so that the
   layout depends only on the word size and the pthread ABI, both of
   which are recorded and checked.  */
struct qp_ctl
{
  char magic[QP_MAGIC_SIZE];	/* QP_MAGIC */
  uint32_t version;		/* QP_VERSION */
  uint32_t kind;		/* QP_STATIC or QP_DYNAMIC */
  uint32_t ctl_size;		/* bytes up to the item area */
  uint32_t streams;		/* 1 to QP_MAX_STREAMS */
  uint16_t word_size;		/* sizeof (void *) of the creator */
  uint16_t mutex_size;		/* sizeof (pthread_mutex_t) of the creator */
  uint32_t spare;
  uint64_t filesize;		/* capacity asked for at creation */
  uint64_t itemsize;		/* rounded item size (static) */
  uint64_t count;		/* items in the item area (static) */
  uint64_t bump;		/* items handed out at least once (static) */
  uint64_t items;		/* address of the item area (static) */
};

/* Bytes reserved for the fixed part: the streams start 64-aligned.  */
#define QP_CTL_HEAD	128

/* One stream of a static map.  */
struct qp_stream
{
  pthread_mutex_t lock;		/* process-shared, robust */
  void *head;			/* first free item, or NULL */
};

/* Bytes per stream: each on its own cache line(s).  */
#define QP_STREAM_SIZE	((sizeof (struct qp_stream) + 63) & ~(size_t) 63)

/* The descriptor of a loaded map.  Both public typedefs name this
   structure's layout; KIND comes first, so that qalloc_malloc and
   qalloc_free can tell the two apart from the first byte.  Everything
   the bounds checks need is copied here at load time: another process
   writing garbage into the file cannot widen them.  */
struct qp_map
{
  unsigned char kind;		/* QP_STATIC or QP_DYNAMIC */
  struct qp_map *next;		/* the process-wide list (maps.c) */
  void *md;			/* the heap (== its base address) */
  int fd;			/* the map file, open while loaded */
  dev_t dev;			/* identity of the file */
  ino_t ino;
  struct qp_ctl *ctl;		/* the control block in the heap */
  off_t filesize;		/* as recorded */
  unsigned int streams;		/* as recorded */
  char *items;			/* static: the item area */
  size_t itemsize;		/* static: rounded item size */
  size_t count;			/* static: items in the area */
};

struct mapinfo_s
{
  struct qp_map m;
};

struct dynmapinfo_s
{
  struct qp_map m;
};

/* Engine geometry, as documented in the manual's Internals chapter:
   used to size a map's heap (its capacity) so that it holds what the
   map promises and not much more.  */
#define QP_ENGINE_PAGE		((size_t) 4096)
#define QP_ENGINE_SEG		((size_t) 16 << 20)
#define QP_ENGINE_META_PAGES	((size_t) 35)
#define QP_ENGINE_SEG_PAGES	(QP_ENGINE_SEG / QP_ENGINE_PAGE)
#define QP_ENGINE_DATA_PAGES	(QP_ENGINE_SEG_PAGES - QP_ENGINE_META_PAGES)
#define QP_ENGINE_SMALL_MAX	((size_t) 16384)
#define QP_ENGINE_RUN_PAGES	((size_t) 8)	/* longest small run */

/* streams.c */
unsigned int qp_thread_stream (unsigned int streams) QP_HIDDEN;
int qp_mutex_init (pthread_mutex_t *m) QP_HIDDEN;
int qp_mutex_lock (pthread_mutex_t *m) QP_HIDDEN;
void qp_mutex_unlock (pthread_mutex_t *m) QP_HIDDEN;

/* Layout of a map being created: what maps.c needs from statmap.c and
   dynmap.c.  */
struct qp_layout
{
  unsigned char kind;
  unsigned int streams;
  uint64_t filesize;
  size_t itemsize;		/* static: rounded */
  size_t count;			/* static */
  size_t ctl_size;		/* bytes of the control block */
  size_t block;			/* bytes of the first heap block */
  size_t capacity;		/* the heap's capacity */
};

/* statmap.c */
int qp_static_layout (struct qp_layout *l, off_t filesize, size_t itemsize,
		      size_t streams) QP_HIDDEN;
int qp_static_format (struct qp_ctl *ctl, const struct qp_layout *l)
  QP_HIDDEN;
int qp_static_open (struct qp_map *m, size_t usable) QP_HIDDEN;
int qp_static_relock (struct qp_map *m) QP_HIDDEN;

/* dynmap.c */
int qp_dynamic_layout (struct qp_layout *l, off_t filesize, size_t streams)
  QP_HIDDEN;
int qp_dynamic_format (struct qp_ctl *ctl, const struct qp_layout *l)
  QP_HIDDEN;
int qp_dynamic_open (struct qp_map *m, size_t usable) QP_HIDDEN;

/* maps.c */
int qp_region_size (size_t data_pages, size_t *bytes) QP_HIDDEN;

#endif /* QPRIVATE_H */
