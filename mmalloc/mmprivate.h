/* mmprivate.h -- the in-region layout of a heap and the engine's internals.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* A heap is one region of address space starting at its descriptor MD
   (== base).  Everything the allocator needs lives inside the region, so
   a heap file attached again needs no rebuild; everything that belongs to
   one process (the fd, the mapping, the abort function) lives in a
   `struct mm_heap' in process memory.

   The region is cut into 4 KiB pages and 16 MiB segments:

     segment 0:  page 0       the heap header (struct mm_header)
                 pages 1-2    the segment bitmap (one bit per segment)
                 pages 3-34   the page descriptors of segment 0
                 pages 35-    data
     segment s:  pages 0-2    unused (never touched, holes in a file)
                 pages 3-34   the page descriptors of segment s
                 pages 35-    data

   Data pages are grouped in runs: a free run, a large block, a run of
   small objects of one size class, or (default heap only) a foreign
   stretch that some other sbrk user owns.  The descriptor of a run's
   first page says what the run is; its last page (and every page of a
   small run) points back to the first.  Runs never cross a segment
   boundary, except huge blocks, which start at a segment's first data
   page and cover the following segments whole (their bitmap bits are
   cleared, since their descriptor pages hold user data).

   Every offset and index read from the region is checked before it is
   used to compute an address, so a hostile file can corrupt only itself:
   see the "validation" notes next to each use.  */

#ifndef MMPRIVATE_H
#define MMPRIVATE_H 1

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <pthread.h>
#include "mmalloc.h"

/* Internal names carry the mmi_ prefix and are hidden from the shared
   library's dynamic symbol table.  */
#define MMI_HIDDEN __attribute__ ((visibility ("hidden")))

#if defined __GNUC__
# define mmi_likely(x) __builtin_expect (!!(x), 1)
# define mmi_unlikely(x) __builtin_expect (!!(x), 0)
#else
# define mmi_likely(x) (x)
# define mmi_unlikely(x) (x)
#endif

/* Valgrind's memcheck is told about blocks (--with-valgrind): a block
   is a "malloc-like" block from the moment a public call returns it to
   the moment it is freed, so memcheck reports leaks, use after free and
   overruns into freed memory.  The engine's own writes into a freed
   block (its free-list link) first make that word accessible again.  */
#ifdef HAVE_VALGRIND
# include <valgrind/memcheck.h>
/* Set when the process runs under valgrind (heaps.c): a client request
   costs a few nanoseconds even natively, too much for the fast paths.  */
extern int mmi_valgrind __attribute__ ((visibility ("hidden")));
# define MMI_VG(request) \
  do { if (__builtin_expect (mmi_valgrind, 0)) request; } while (0)
# define MMI_VG_ALLOC(p, n, zeroed) \
  MMI_VG (VALGRIND_MALLOCLIKE_BLOCK ((p), (n), 0, (zeroed)))
# define MMI_VG_FREE(p) MMI_VG (VALGRIND_FREELIKE_BLOCK ((p), 0))
# define MMI_VG_UNDEFINED(p, n) \
  MMI_VG (VALGRIND_MAKE_MEM_UNDEFINED ((p), (n)))
# define MMI_VG_DEFINED(p, n) MMI_VG (VALGRIND_MAKE_MEM_DEFINED ((p), (n)))
/* Copying a whole block also reads its slack past what was asked for,
   which memcheck may hold freed.  */
# define MMI_VG_QUIET_BEGIN() MMI_VG (VALGRIND_DISABLE_ERROR_REPORTING)
# define MMI_VG_QUIET_END() MMI_VG (VALGRIND_ENABLE_ERROR_REPORTING)
#else
# define MMI_VG_QUIET_BEGIN() ((void) 0)
# define MMI_VG_QUIET_END() ((void) 0)
# define MMI_VG_ALLOC(p, n, zeroed) ((void) 0)
# define MMI_VG_FREE(p) ((void) 0)
# define MMI_VG_UNDEFINED(p, n) ((void) 0)
# define MMI_VG_DEFINED(p, n) ((void) 0)
#endif
/* Freeing P for the engine's own use of its first word.  */
#define MMI_VG_RELEASE(p) \
  do { MMI_VG_FREE (p); MMI_VG_UNDEFINED ((p), sizeof (void *)); } while (0)

/* Geometry.  */
#define MM_PAGE_SHIFT	12
#define MM_PAGE		((size_t) 1 << MM_PAGE_SHIFT)
#define MM_SEG_SHIFT	24
#define MM_SEG		((size_t) 1 << MM_SEG_SHIFT)
#define MM_SEG_PAGES	((uint32_t) (MM_SEG >> MM_PAGE_SHIFT))	/* 4096 */
#define MM_BITMAP_PAGE	1	/* first page of the segment bitmap */
#define MM_DESC_PAGE	3	/* first page of a segment's descriptors */
#define MM_META_PAGES	35	/* pages before a segment's data */
#define MM_SEG_DATA_PAGES (MM_SEG_PAGES - MM_META_PAGES)

/* The most segments a heap may span: the bitmap is two pages.  On
   64-bit hosts that is 1 TiB of region; on 32-bit ones the address
   space runs out first.  */
#define MM_MAX_SEGS	((uint32_t) (2 * MM_PAGE * 8))
#define MM_MAX_REGION	((uint64_t) MM_MAX_SEGS << MM_SEG_SHIFT)
/* The largest block one call may ask for: the region's limit, or half
   the address space on hosts where that is smaller (32-bit), so that
   sizes plus alignments and headers never wrap around.  */
#define MM_MAX_BLOCK \
  ((size_t) (MM_MAX_REGION < SIZE_MAX / 2 ? MM_MAX_REGION : SIZE_MAX / 2))

/* Size classes: 16-byte steps to 128, then four per power of two up
   to 16 KiB, so no request is rounded up by more than 25 %.  */
#define MM_NCLASSES	36
#define MM_SMALL_MAX	16384

/* Run sets (threadstream.c): the classes up to 2048 bytes keep their current
   run and partial list MM_RUNSETS times over, so that threads (and
   processes) of different streams take their blocks from different runs
   and never write to the same cache line of block data.  A heap of N
   streams uses sets 0 to min (N, MM_RUNSETS) - 1; checked runs and
   larger classes use set 0 only.  MM_RUNSETS is a power of two (sets
   read from the region are masked with it).  */
#define MM_RUNSETS	4
#define MM_SET_CLASSES	24

/* Free page runs are binned by length: one bin per length up to 64
   pages, then four per power of two.  */
#define MM_EXACT_BINS	64
#define MM_NBINS	(MM_EXACT_BINS + 4 * 26)
#define MM_BINMAP_WORDS	((MM_NBINS + 63) / 64)

/* Runs of at least this many pages give their pages back to the
   operating system when they become free.  */
#define MM_RELEASE_PAGES 64
#define MM_REL_PENDING	8	/* releases one lock hold may defer */

/* File format.  */
#define MM_MAGIC	"mmalloc"	/* 8 bytes with the NUL */
#define MM_MAGIC_SIZE	8
#define MM_VERSION	4
#define MM_ENDIAN_TAG	0x01020304u

/* Page descriptor kinds.  Zero is "never used", so fresh (zero) pages of
   descriptors need no initialization.  */
enum
{
  MM_K_NONE = 0,
  MM_K_FREE,			/* head of a free run */
  MM_K_SMALL,			/* head of a run of small objects */
  MM_K_LARGE,			/* head of a large (or huge) block */
  MM_K_FOREIGN,			/* head of a stretch owned by another sbrk user */
  MM_K_TAIL,			/* not a head: HEAD names the run's first page */
  MM_K_LIMIT
};

/* Page descriptor flags.  */
#define MM_F_LISTED	0x01	/* small run on its class's partial list */
#define MM_F_RELEASED	0x02	/* some pages were given back to the OS */
#define MM_F_ZERO	0x04	/* every page of the run reads as zero */
#define MM_F_CURRENT	0x08	/* small run that is its class's current run */
#define MM_F_CHECKED	0x10	/* its blocks carry mmcheck's header */

/* The descriptor of one page (32 bytes).  Page indexes are counted from
   the base; 0 (the header page) doubles as "none" in links.  */
struct mm_page
{
  uint8_t kind;			/* MM_K_* */
  uint8_t cls;			/* size class (small runs) */
  uint8_t flags;		/* MM_F_* */
  uint8_t set;			/* small runs: run set (threadstream.c) */
  uint32_t npages;		/* pages in the run (heads) */
  uint32_t head;		/* first page of the run (tails) */
  uint32_t nused;		/* small: live objects; large: user offset */
  uint32_t free;		/* small: 1 + offset of the first free object */
  uint32_t bump;		/* small: offset of the first never-used object */
  uint32_t next;		/* list links (page indexes) */
  uint32_t prev;
};

/* Per-class state in the header.  */
struct mm_class_state
{
  uint32_t current;		/* the run allocations come from, or 0 */
  uint32_t partial;		/* list of other runs with free objects */
};

/* Heap states.  */
#define MM_STATE_CLEAN	0	/* detached by every process */
#define MM_STATE_DIRTY	1	/* attached, or left by a crash */

/* Header flags.  */
#define MM_H_ANON	0x01	/* anonymous (fd < 0) heap */
#define MM_H_DEFAULT	0x02	/* the default (sbrk) heap */
#define MM_H_USED	0x04	/* has served an allocation */
#define MM_H_CHECKED	0x08	/* mmcheck is on */

/* The heap header, at offset 0 of the region.  Fixed-width fields only,
   so the layout depends on nothing but the word size and byte order,
   both of which are recorded and checked.  */
struct mm_header
{
  char magic[MM_MAGIC_SIZE];	/* "mmalloc\0" */
  uint32_t version;		/* MM_VERSION */
  uint32_t header_size;		/* sizeof (struct mm_header) */
  uint32_t endian;		/* MM_ENDIAN_TAG, as written */
  uint8_t word_size;		/* sizeof (void *) */
  uint8_t page_shift;		/* MM_PAGE_SHIFT */
  uint8_t seg_shift;		/* MM_SEG_SHIFT */
  uint8_t nclasses;		/* MM_NCLASSES */
  uint64_t base;		/* the address the heap lives at */
  uint64_t mapped;		/* bytes of the file (or brk) in use */
  uint64_t capacity;		/* most bytes the region may span */
  uint64_t top;			/* bytes carved into runs so far */
  uint64_t hwm;			/* highest top ever (pages above are zero) */
  uint32_t flags;		/* MM_H_* */
  uint32_t state;		/* MM_STATE_* */
  uint32_t streams;		/* concurrency stripes */
  uint32_t nattached;		/* processes attached now */
  uint64_t keys[MMALLOC_KEYS];	/* application keys (raw pointers) */
  uint64_t root;		/* the façade's root */

  /* Statistics.  */
  uint64_t large_used;		/* live large blocks */
  uint64_t large_bytes;		/* their pages' bytes */
  uint64_t free_runs;		/* free page runs */
  uint64_t free_pages;		/* pages in them */
  uint64_t small_slots;		/* object slots in small runs */
  uint64_t small_bytes;		/* bytes of those slots */
  uint64_t small_used;		/* live small objects */
  uint64_t small_used_bytes;	/* their bytes */

  struct mm_class_state cls[MM_NCLASSES];
  struct mm_class_state ccls[MM_NCLASSES];	/* runs of checked blocks */
  uint32_t bins[MM_NBINS];	/* free runs by length */
  uint64_t binmap[MM_BINMAP_WORDS];	/* non-empty bins */

  /* Crash recovery (journal.c).  */
  uint32_t jlen;		/* undo entries of the operation in flight */
  uint32_t recoveries;		/* times the heap was repaired */
  uint32_t intent;		/* MM_INTENT_*: a multi-step operation */
  uint32_t intent_page;		/* its run */

  /* Run sets 1 to MM_RUNSETS - 1 of the classes below MM_SET_CLASSES
     (set 0 is CLS).  */
  struct mm_class_state scls[MM_RUNSETS - 1][MM_SET_CLASSES];

  /* The lock, process-shared and robust for file heaps.  Last, so that
     the fields above keep their offsets whatever its size.  */
  pthread_mutex_t lock;
};

/* The undo journal of a heap file (journal.c): in the header page,
   after the header.  Before a locked operation changes a word of the
   region, the word's offset and old value are appended; unlocking
   empties the journal.  A process that dies holding the lock leaves
   the journal of its unfinished operation, and whoever repairs the heap
   writes the old values back, last first, so that the operation never
   happened.  Operations that would not fit (freeing a huge block) are
   cut into steps, each journaled on its own, with an intent in the
   header that recovery completes.  */
struct mm_jentry
{
  uint64_t off;			/* byte offset of an aligned 8-byte word */
  uint64_t old;			/* its value before the operation */
};

#define MM_JOURNAL_OFF \
  ((sizeof (struct mm_header) + 63) & ~(size_t) 63)
#define MM_JOURNAL_ENTRIES \
  ((uint32_t) ((MM_PAGE - MM_JOURNAL_OFF) / sizeof (struct mm_jentry)))

/* Multi-step operations recovery completes.  */
#define MM_INTENT_NONE		0
#define MM_INTENT_FREE_HUGE	1	/* free the huge run at intent_page */

/* Process-local state of an attached heap.  */
enum mm_backend
{
  MM_B_FILE,			/* MAP_SHARED on the caller's fd */
  MM_B_ANON,			/* anonymous private memory */
  MM_B_SBRK			/* the default heap */
};

struct mm_tcache;

struct mm_heap
{
  struct mm_header *hdr;	/* == base */
  char *base;
  int live;			/* attached (slot in use) */
  int fd;			/* the caller's fd, or -1 */
  int lockfd;			/* our own open file description, holding the
				   "attached" lock (journal.c), or -1 */
  struct mm_jentry *journal;	/* heap files: the undo journal; else NULL */
  enum mm_backend backend;
  int rdonly;			/* attached MMALLOC_RDONLY */
  int cached;			/* thread caches allowed (tcache.c) */
  int alone;			/* heap files: no other process was attached
				   when this one attached */
  size_t mapped;		/* bytes usable in this process */
  size_t reserved;		/* bytes of address space we own for the
				   region (a page map's are apart) */
  size_t fmapped;		/* file heaps: bytes the file is mapped over,
				   usable or not (mapped <= fmapped) */
  int saved_errno;		/* last failed system call */
  /* Page runs to give back to the system once the operation that
     freed them commits (pages.c): a hole punched earlier could not be
     undone by the journal.  Guarded by the heap's lock.  */
  unsigned int nrel;
  struct { uint32_t page, n, zero; } rel[MM_REL_PENDING];
  int traced;			/* mmtrace covers this heap */
  void (*abortfunc) (void);	/* mmcheck's, reset at attach */
  char check_msg[200];		/* last mmalloc_check finding */
  pthread_mutex_t tc_lock;	/* guards TCACHES */
  struct mm_tcache *tcaches;	/* thread caches bound to this heap */
  uint16_t *pmap;		/* page map (pagemap.c), or NULL */
  size_t pmap_span;		/* bytes of the region the map covers */
  size_t pmap_bytes;		/* bytes mapped for the map */
  int pmap_hint;		/* heap files: the map only hints, and
				   every entry is checked before use */
};

/* Thread caches (tcache.c): per thread, per heap, free small blocks
   kept out of the heap so that a warm allocate/free pair takes no lock.
   Private heaps get them, and heap files attached with MMALLOC_CACHE.
   Every small class is cached.  A class starts with a limit of
   mmi_tc_limit blocks; a private heap's cache doubles the limit of a
   class that both ran dry and overflowed since its last change (the
   thread allocates and frees it in batches larger than the cache), up
   to mmi_tc_max blocks and MM_TC_BUDGET bytes of limits per cache.  A
   thread that only frees a class (a consumer) grows it once at most,
   if the class ran dry before, and then gives blocks back.  Heap files
   keep the first limits: what a killed process caches is lost.  */
#define MM_TC_CLASSES	MM_NCLASSES
#define MM_TC_HEAPS	4	/* heaps one thread caches at once */
#define MM_TC_BUDGET	(2u << 20)	/* bytes of limits a cache may grow to */

struct mm_tcache
{
  void *md;			/* heap descriptor, or MM_TC_NONE */
  uintptr_t base;		/* the heap's region */
  size_t mapspan;		/* bytes its page map covers; 0 without */
  const uint16_t *pmap;		/* its page map, or NULL */
  size_t hintspan;		/* heap files: bytes their hint map covers */
  uint16_t *hint;		/* heap files: the hint map, or NULL; when
				   set, pmap is NULL and mapspan 0 */
  struct mm_heap *heap;		/* bound heap, NULL when unbound */
  struct mm_tcache *next;	/* in the heap's list */
  struct mm_tcache **prevp;
  unsigned long last_use;
  uintptr_t lo, span16;		/* blocks lie in [lo, lo + 16 * span16):
				   the usable part of the region when
				   bound (mapped), or all memory for the
				   default heap */
  uint64_t dry;			/* classes refilled since their limit changed */
  size_t limit_bytes;		/* sum of limit[k] * the size of class k */
  uint16_t count[MM_TC_CLASSES];
  uint16_t limit[MM_TC_CLASSES];	/* count[k] <= limit[k] */
  void *list[MM_TC_CLASSES];	/* linked through each block's first word */
};

#define MM_TC_NONE ((void *) (uintptr_t) 1)

/* Push P (of class K) onto cache C, or pop its class K's top block
   (the list is not empty).  Only the counts are kept: mmstats derives
   the bytes from them.  */
static inline void
mmi_tc_push (struct mm_tcache *c, unsigned int k, void *p)
{
  *(void **) p = c->list[k];
  c->list[k] = p;
  c->count[k]++;
}

void *mmi_tc_bad_link (struct mm_tcache *c, unsigned int k, void *next)
  MMI_HIDDEN;

/* Validation: a damaged heap file may hand a block out twice, and the
   program's data then replaces a link.  A link must be a block's
   address (16-byte aligned) in the usable part of the region, which
   C->span16 holds as of some time (mmi_tc_bad_link decides what
   fails).
   So no block outside the region is ever handed out, and no link is
   followed where reading it would fault.  */
static inline int
mmi_tc_link_ok (const struct mm_tcache *c, const void *next)
{
  /* One compare for both: rotated right by 4, an offset that is not a
     multiple of 16 has a high bit set, and is past any span (LO is
     16-byte aligned).  */
  uintptr_t off = (uintptr_t) next - c->lo;

  return ((off >> 4) | (off << (sizeof off * 8 - 4))) < c->span16;
}

static inline void *
mmi_tc_pop (struct mm_tcache *c, unsigned int k)
{
  void *p = c->list[k];
  void *next = *(void **) p;

  if (mmi_unlikely (!mmi_tc_link_ok (c, next)))
    next = mmi_tc_bad_link (c, k, next);
  c->list[k] = next;
  c->count[k]--;
  return p;
}

/* Move the first N bytes of block P into the new block Q of SIZE bytes
   and release P for the engine's use (memcheck's view included; see
   the MMI_VG macros).  */
static inline void
mmi_move_block (void *q, void *p, size_t n, size_t size)
{
  MMI_VG_ALLOC (q, size, 0);
  MMI_VG_QUIET_BEGIN ();
  memcpy (q, p, n);
  MMI_VG_QUIET_END ();
  MMI_VG_RELEASE (p);
  (void) size;
}

extern __thread struct mm_tcache *mmi_tc_current
  __attribute__ ((tls_model ("initial-exec"))) MMI_HIDDEN;

/* Inline geometry helpers.  */

static inline struct mm_page *
mmi_desc (const struct mm_heap *h, uint32_t page)
{
  size_t seg = page >> (MM_SEG_SHIFT - MM_PAGE_SHIFT);
  return (struct mm_page *) (h->base + (seg << MM_SEG_SHIFT)
			     + MM_DESC_PAGE * MM_PAGE)
    + (page & (MM_SEG_PAGES - 1));
}

static inline char *
mmi_page_addr (const struct mm_heap *h, uint32_t page)
{
  return h->base + ((size_t) page << MM_PAGE_SHIFT);
}

static inline uint32_t
mmi_page_of (const struct mm_heap *h, const void *p)
{
  return (uint32_t) (((const char *) p - h->base) >> MM_PAGE_SHIFT);
}

static inline uint8_t *
mmi_segmap (const struct mm_heap *h)
{
  return (uint8_t *) h->base + MM_BITMAP_PAGE * MM_PAGE;
}

static inline int
mmi_seg_owned (const struct mm_heap *h, uint32_t seg)
{
  return seg < MM_MAX_SEGS && (mmi_segmap (h)[seg >> 3] >> (seg & 7)) & 1;
}

static inline uint32_t
mmi_top_page (const struct mm_heap *h)
{
  return (uint32_t) (h->hdr->top >> MM_PAGE_SHIFT);
}

/* Whether PAGE, read from the region, may be followed: a data page of
   an owned segment below the top.  */
static inline int
mmi_page_ok (const struct mm_heap *h, uint32_t page)
{
  return (page & (MM_SEG_PAGES - 1)) >= MM_META_PAGES
    && page < mmi_top_page (h) && mmi_seg_owned (h, page / MM_SEG_PAGES);
}

/* sizeclass.c */
extern const uint32_t mmi_class_size[MM_NCLASSES] MMI_HIDDEN;
extern const uint8_t mmi_class_pages[MM_NCLASSES] MMI_HIDDEN;
extern const uint64_t mmi_class_magic[MM_NCLASSES] MMI_HIDDEN;
extern const uint32_t mmi_class_capacity[MM_NCLASSES] MMI_HIDDEN;
extern const uint8_t mmi_small_class[MM_SMALL_MAX / 16 + 1] MMI_HIDDEN;
extern const uint8_t mmi_tc_limit[MM_TC_CLASSES] MMI_HIDDEN;
extern const uint16_t mmi_tc_max[MM_TC_CLASSES] MMI_HIDDEN;

static inline unsigned int
mmi_class_of (size_t size)
{
  return mmi_small_class[(size + 15) >> 4];
}

/* Bytes of objects a run of class C holds.  */
static inline uint32_t
mmi_run_capacity (unsigned int c)
{
  return mmi_class_capacity[c];
}

/* heaps.c */
struct mm_heap *mmi_heap_of (void *md) MMI_HIDDEN;
struct mm_heap *mmi_heap_lookup_slow (void *md) MMI_HIDDEN;
struct mm_heap *mmi_heap_new (void) MMI_HIDDEN;
void mmi_heap_release (struct mm_heap *h) MMI_HIDDEN;

/* journal.c */
void mmi_jlog_slow (struct mm_heap *h, const void *addr) MMI_HIDDEN;
void mmi_jcommit (struct mm_heap *h) MMI_HIDDEN;
int mmi_recover (struct mm_heap *h) MMI_HIDDEN;
int mmi_attach_locks (struct mm_heap *h, int *alone) MMI_HIDDEN;
void mmi_attach_unlock (struct mm_heap *h) MMI_HIDDEN;

/* Journal the word at ADDR (in H's region) before it changes.  Only
   heap files keep a journal: a process-private heap dies with its
   process.  */
static inline void
mmi_jlog (struct mm_heap *h, const void *addr)
{
  if (h->journal != NULL)
    mmi_jlog_slow (h, addr);
}

/* Store VALUE into the region field LVAL of heap H, journaled.  */
#define MMI_W(h, lval, value) \
  do { mmi_jlog ((h), &(lval)); (lval) = (value); } while (0)

/* lock.c */
int mmi_lock_init (struct mm_heap *h, int shared) MMI_HIDDEN;
int mmi_lock (struct mm_heap *h) MMI_HIDDEN;
void mmi_unlock (struct mm_heap *h) MMI_HIDDEN;

/* mmap-sup.c */
size_t mmi_sys_pagesize (void) MMI_HIDDEN;
void *mmi_reserve (void *want, size_t len, size_t *got, size_t *mapb)
  MMI_HIDDEN;
void *mmi_reserve_file (size_t min, size_t *got) MMI_HIDDEN;
int mmi_map_file (struct mm_heap *h, size_t need) MMI_HIDDEN;
int mmi_extend (struct mm_heap *h, size_t need) MMI_HIDDEN;
int mmi_sync_mapping (struct mm_heap *h) MMI_HIDDEN;
int mmi_release_pages (struct mm_heap *h, uint32_t page, uint32_t n) MMI_HIDDEN;
void mmi_release_pending (struct mm_heap *h) MMI_HIDDEN;
int mmi_back_pages (struct mm_heap *h, uint32_t page, uint32_t n) MMI_HIDDEN;
void mmi_unmap (struct mm_heap *h) MMI_HIDDEN;

/* sbrk-sup.c */
struct mm_heap *mmi_default_heap (void) MMI_HIDDEN;
extern struct mm_heap *mmi_default MMI_HIDDEN;
int mmi_sbrk_extend (struct mm_heap *h, size_t need) MMI_HIDDEN;
int mmi_is_foreign (struct mm_heap *h, const void *p) MMI_HIDDEN;
int mmi_libc_free (void *p) MMI_HIDDEN;
void *mmi_libc_realloc (void *p, size_t size) MMI_HIDDEN;

/* attach.c */
void mmi_format (struct mm_heap *h, unsigned int flags, size_t capacity,
		 unsigned int streams) MMI_HIDDEN;

/* pages.c */
uint32_t mmi_pages_alloc (struct mm_heap *h, uint32_t n, int kind) MMI_HIDDEN;
void mmi_pages_free (struct mm_heap *h, uint32_t page) MMI_HIDDEN;
void mmi_pages_resume (struct mm_heap *h) MMI_HIDDEN;
int mmi_pages_grow_inplace (struct mm_heap *h, uint32_t page, uint32_t n) MMI_HIDDEN;
void mmi_pages_shrink (struct mm_heap *h, uint32_t page, uint32_t n) MMI_HIDDEN;
void mmi_pages_skip (struct mm_heap *h, size_t to) MMI_HIDDEN;
uint32_t mmi_pages_drop_front (struct mm_heap *h, uint32_t page, uint32_t k)
  MMI_HIDDEN;
void mmi_set_tails (struct mm_heap *h, uint32_t page, uint32_t n, int all) MMI_HIDDEN;
unsigned int mmi_bin_of (uint32_t npages) MMI_HIDDEN;

/* The state of class C for runs with flags FLAGS in run set SET.  SET
   may come from the region: it is masked, never trusted as an index.  */
static inline struct mm_class_state *
mmi_class_state (struct mm_header *hdr, unsigned int flags, unsigned int set,
		 unsigned int c)
{
  if (flags & MM_F_CHECKED)
    return &hdr->ccls[c];
  set &= MM_RUNSETS - 1;
  if (set == 0 || c >= MM_SET_CLASSES)
    return &hdr->cls[c];
  return &hdr->scls[set - 1][c];
}

/* How many classes run set SET has states for.  */
static inline unsigned int
mmi_set_nclasses (unsigned int set)
{
  return set == 0 ? MM_NCLASSES : MM_SET_CLASSES;
}

/* threadstream.c */
extern __thread uint32_t mmi_tstream
  __attribute__ ((tls_model ("initial-exec"))) MMI_HIDDEN;
uint32_t mmi_stream_assign (void) MMI_HIDDEN;
void mmi_streams_forget (void) MMI_HIDDEN;

/* How many run sets heap H uses (the stream count is from the region:
   clamped, never trusted).  */
static inline unsigned int
mmi_nsets (const struct mm_heap *h)
{
  uint32_t n = h->hdr->streams;

  return n == 0 ? 1 : n < MM_RUNSETS ? n : MM_RUNSETS;
}

/* The run set the calling thread allocates class C from in H: its
   stream's, for the classes that have sets.  */
static inline unsigned int
mmi_thread_set (const struct mm_heap *h, unsigned int c)
{
  unsigned int n = mmi_nsets (h);
  uint32_t s;

  if (n == 1 || c >= MM_SET_CLASSES)
    return 0;
  s = mmi_tstream;
  if (mmi_unlikely (s == 0))
    s = mmi_stream_assign ();
  return (s - 1) % n;
}

/* mmalloc.c */
void *mmi_malloc (struct mm_heap *h, size_t size) MMI_HIDDEN;
void *mmi_small_alloc (struct mm_heap *h, unsigned int c,
		       unsigned int runflags) MMI_HIDDEN;
void *mmi_small_alloc_from (struct mm_heap *h, unsigned int c,
			    unsigned int runflags, int *fromlist) MMI_HIDDEN;
unsigned int mmi_small_alloc_batch (struct mm_heap *h, unsigned int c,
				    void **out, unsigned int n) MMI_HIDDEN;
void mmi_small_free_batch (struct mm_heap *h, void **v, unsigned int n)
  MMI_HIDDEN;
void *mmi_large_alloc (struct mm_heap *h, size_t size, size_t align,
		       int *zero) MMI_HIDDEN;
void *mmi_aligned_alloc (struct mm_heap *h, size_t align, size_t size)
  MMI_HIDDEN;
int mmi_writable (struct mm_heap *h) MMI_HIDDEN;

/* mfree.c */
struct mm_page *mmi_run_of (struct mm_heap *h, const void *p,
			    uint32_t *headp) MMI_HIDDEN;
struct mm_page *mmi_block_of (struct mm_heap *h, const void *p,
			      uint32_t *headp) MMI_HIDDEN;
int mmi_free (struct mm_heap *h, void *p) MMI_HIDDEN;
size_t mmi_block_size (struct mm_heap *h, struct mm_page *d) MMI_HIDDEN;

/* mmcheck.c */
void *mmi_checked_alloc (struct mm_heap *h, size_t size, size_t align)
  MMI_HIDDEN;
int mmi_checked_free (struct mm_heap *h, void *p) MMI_HIDDEN;
void *mmi_checked_realloc (struct mm_heap *h, void *p, size_t size)
  MMI_HIDDEN;
size_t mmi_checked_size (struct mm_heap *h, void *p) MMI_HIDDEN;
int mmi_checked_slot_intact (const char *slot, size_t size) MMI_HIDDEN;

/* mmtrace.c */
extern int mmi_tracing MMI_HIDDEN;
void mmi_trace (struct mm_heap *h, int op, void *caller, void *p,
		void *old, size_t size) MMI_HIDDEN;

/* pagemap.c: an entry is 0, or 1 + the class | the page's index in
   its run << 8.  A heap file's map (pmap_hint) only hints.  */
#define MM_PMAP_SPAN	((size_t) 1 << (sizeof (size_t) > 4 ? 36 : 31))
void mmi_pmap_create (struct mm_heap *h) MMI_HIDDEN;
size_t mmi_pmap_bytes (size_t span) MMI_HIDDEN;
void mmi_pmap_carve (struct mm_heap *h, char *map, size_t bytes, size_t len)
  MMI_HIDDEN;
void mmi_pmap_learn (struct mm_tcache *c, const void *p, uint32_t head,
		     unsigned int k) MMI_HIDDEN;
void mmi_pmap_destroy (struct mm_heap *h) MMI_HIDDEN;
void mmi_pmap_set (struct mm_heap *h, uint32_t page, uint32_t n, int c)
  MMI_HIDDEN;

/* tcache.c */
void *mmi_malloc_slow (void *md, size_t size) MMI_HIDDEN;
void *mmi_malloc_tail (void *md, size_t size, void *caller) MMI_HIDDEN;
void mmi_free_tail (void *md, void *p, void *caller) MMI_HIDDEN;
void mmi_free_nomap (struct mm_tcache *c, void *md, void *p, void *caller)
  MMI_HIDDEN;
void mmi_free_slow (void *md, void *p) MMI_HIDDEN;
void mmi_tc_detach (struct mm_heap *h) MMI_HIDDEN;
void mmi_tc_forget (struct mm_heap *h) MMI_HIDDEN;
void mmi_tc_disable (struct mm_heap *h) MMI_HIDDEN;
void mmi_tc_disable_all (void) MMI_HIDDEN;
void mmi_tc_totals (struct mm_heap *h, uint64_t *blocks, uint64_t *bytes)
  MMI_HIDDEN;
void mmi_atfork_init (void) MMI_HIDDEN;

/* The descriptor of the small run holding P in heap H, when P is in an
   owned segment's data below the top and its run is small; else NULL.
   Lock-free: a live block's run cannot change under it.  */
static inline struct mm_page *
mmi_small_run_of (const struct mm_heap *h, const void *p, uint32_t *headp)
{
  size_t off = (size_t) ((const char *) p - h->base);
  uint32_t page, seg;
  struct mm_page *d;

  /* Below the top, and usable here: a damaged header's top may lie
     past the end of the file.  */
  if (mmi_unlikely (off >= h->hdr->top || off >= h->mapped))
    return NULL;
  page = (uint32_t) (off >> MM_PAGE_SHIFT);
  seg = page >> (MM_SEG_SHIFT - MM_PAGE_SHIFT);
  if (mmi_unlikely ((page & (MM_SEG_PAGES - 1)) < MM_META_PAGES
		    || !mmi_seg_owned (h, seg)))
    return NULL;
  d = mmi_desc (h, page);
  if (d->kind == MM_K_TAIL)
    {
      uint32_t head = d->head;
      if (head > page || page - head >= 16)
	return NULL;
      d = mmi_desc (h, head);
      page = head;
    }
  if (d->kind != MM_K_SMALL || d->cls >= MM_NCLASSES)
    return NULL;
  /* The whole run inside its segment's data and the usable region: a
     forged head near the end must not give a slot past it.  */
  if (mmi_unlikely ((page & (MM_SEG_PAGES - 1)) < MM_META_PAGES
		    || (page & (MM_SEG_PAGES - 1)) + mmi_class_pages[d->cls]
		    > MM_SEG_PAGES
		    || ((size_t) page + mmi_class_pages[d->cls])
		    << MM_PAGE_SHIFT > h->mapped))
    return NULL;
  *headp = page;
  /* P must start a slot: an interior pointer is not a block.  */
  off -= (size_t) page << MM_PAGE_SHIFT;
  if (mmi_unlikely ((uint64_t) off * mmi_class_magic[d->cls]
		    >= mmi_class_magic[d->cls]
		    || off >= mmi_class_capacity[d->cls]))
    return NULL;
  return d;
}

/* The class of P when it starts a block of a small run of unchecked
   blocks in the heap of cache C, through the descriptors; else -1.
   *HEADP is set to the run's first page when it is not -1.  */
static inline int
mmi_tc_class_desc (const struct mm_tcache *c, const void *p,
		   uint32_t *headp)
{
  const struct mm_page *d = mmi_small_run_of (c->heap, p, headp);

  if (d != NULL && !(d->flags & MM_F_CHECKED))
    return d->cls;
  return -1;
}

/* The class of P, a block being freed through cache C of a heap file,
   from the heap's hint map (pagemap.c); -1 when the hint is missing or
   wrong.  The hint was true when written, but another process may have
   freed the run since and carved its pages anew: it is believed only
   when the descriptor of the run it names agrees, that run's head being
   a small run of the hinted class, unchecked.  A head that agrees is
   P's run, because (a) two runs never share a page, and P, live, keeps
   its run; (b) only a page that starts a run carries a small
   descriptor (a head that stops being one is rewritten as a tail or a
   free run, pages.c); (c) a small run of class K is always
   mmi_class_pages[K] pages, which the hint's place is checked against.
   A descriptor half written by another process (pages.c writes the
   kind before the class, mmalloc.c the class before the checked flag)
   may look like an unchecked small run of class 0 or of the new class
   for a moment: but a run being carved at the hinted head covers at
   least 4 pages (the fewest of any class), P's page among them, so P
   could not be live.  Keep every class at 4 pages or more.  The
   descriptor read is inside the mapping: the hint was written for a
   page this process could use, and a heap's mapping never shrinks
   while it is attached (the library never shortens the file).  */
static inline int
mmi_pmap_hint (const struct mm_tcache *c, const void *p)
{
  uintptr_t off = (uintptr_t) p - c->base;
  const struct mm_page *d;
  unsigned int e, k, place;
  uint32_t page;
  uint64_t in_run;

  if (off >= c->hintspan)
    return -1;
  page = (uint32_t) (off >> MM_PAGE_SHIFT);
  e = __atomic_load_n (&c->hint[page], __ATOMIC_RELAXED);
  k = (e & 0xff) - 1;
  place = e >> 8;
  if (k >= MM_NCLASSES || place >= mmi_class_pages[k])
    return -1;
  d = mmi_desc (c->heap, page - place);
  if (d->kind != MM_K_SMALL || d->cls != k || (d->flags & MM_F_CHECKED))
    return -1;
  in_run = (off & (MM_PAGE - 1)) + ((uint64_t) place << MM_PAGE_SHIFT);
  if (in_run * mmi_class_magic[k] >= mmi_class_magic[k]
      || in_run >= mmi_class_capacity[k])
    return -1;
  return (int) k;
}

/* The class of the block at offset OFF of the region of cache C's heap,
   from the heap's page map (OFF is inside it): one load.  -1 when OFF
   starts no block of a small run of unchecked blocks.  */
static inline int
mmi_tc_class_in_map (const struct mm_tcache *c, uintptr_t off)
{
  unsigned int e = c->pmap[off >> MM_PAGE_SHIFT];
  unsigned int k = (e & 0xff) - 1;
  uint64_t in_run = (off & (MM_PAGE - 1))
    + ((uint64_t) (e >> 8) << MM_PAGE_SHIFT);

  if (mmi_likely (k < MM_NCLASSES
		  && in_run * mmi_class_magic[k] < mmi_class_magic[k]
		  && in_run < mmi_class_capacity[k]))
    return (int) k;
  return -1;
}

/* The class of P when it starts a block of a small run of unchecked
   blocks in the heap of cache C: from the page map when the heap has
   one, else from the descriptors; -1 when P is anything else, or the
   map does not cover it (the slow path then decides).  mfree reads the
   map itself and leaves the descriptors to mmi_free_nomap, so that its
   fast path needs no stack frame.  */
static inline int
mmi_tc_class_of (const struct mm_tcache *c, const void *p)
{
  uintptr_t off = (uintptr_t) p - c->base;

  if (mmi_likely (off < c->mapspan))
    return mmi_tc_class_in_map (c, off);
  if (c->pmap == NULL)
    {
      uint32_t head;
      return mmi_tc_class_desc (c, p, &head);
    }
  return -1;
}

/* vgblocks.c */
#ifdef HAVE_VALGRIND
void mmi_vg_detach (struct mm_heap *h) MMI_HIDDEN;
void mmi_vg_attach (struct mm_heap *h) MMI_HIDDEN;
#endif

/* check.c */
int mmi_check (struct mm_heap *h) MMI_HIDDEN;

#ifdef MMALLOC_DEBUG
# define MMI_DEBUG_CHECK(h) mmi_debug_check (h)
void mmi_debug_check (struct mm_heap *h) MMI_HIDDEN;
#else
# define MMI_DEBUG_CHECK(h) ((void) 0)
#endif

#endif /* MMPRIVATE_H */
