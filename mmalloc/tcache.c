/* tcache.c -- per-thread caches of small blocks, and fork safety.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* A warm allocate/free pair must take no lock.  Each thread keeps, for
   up to MM_TC_HEAPS heaps, a stack of free blocks per small class: a
   free pushes onto it, an allocation pops from it, and only an empty or
   full stack goes to the heap, under its lock, for a batch at a time.
   The inline halves of mmalloc and mfree (mmalloc.c, mfree.c) are the
   fast paths; the functions here are everything else.

   Cached blocks are allocated as far as the heap is concerned, so the
   heap stays consistent for mmalloc_check; mmstats subtracts this
   process's, so its counts are what the program holds.  Heap files are
   cached when attached with MMALLOC_CACHE: a batch is taken as one
   journaled operation (of one new run at most) and given back one
   committed block at a time (a run emptied by a block is freed, which
   is a longer operation), detaching returns every cache's blocks, and
   a fork child forgets the parent's cached blocks (they are the
   parent's).  A process that dies leaves its cached blocks allocated:
   leaked, never handed out twice; hence the option.  Checking and
   tracing need to see every operation, so they turn the caches off.

   A cache is registered with its heap; detaching the heap unbinds every
   cache from it, and a thread's exit returns its blocks.  Caches live
   in memory from mmap, one page per thread, never from malloc.  */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "mmprivate.h"

__thread struct mm_tcache *mmi_tc_current
  __attribute__ ((tls_model ("initial-exec")));

struct mm_tthread
{
  struct mm_tcache c[MM_TC_HEAPS];
  unsigned long clock;
};

static __thread struct mm_tthread *tc_thread
  __attribute__ ((tls_model ("initial-exec")));
static pthread_key_t tc_key;
static pthread_once_t tc_once = PTHREAD_ONCE_INIT;
static int tc_key_ok;

/* Whether H may be cached now.  */
static inline int
tc_eligible (struct mm_heap *h)
{
  return h->cached && !h->rdonly && !(h->hdr->flags & MM_H_CHECKED)
    && !__atomic_load_n (&mmi_tracing, __ATOMIC_RELAXED);
}

/* Return every block of cache C to its heap (locked by the caller).  */
static void
tc_drain (struct mm_tcache *c)
{
  unsigned int k;

  for (k = 0; k < MM_TC_CLASSES; k++)
    {
      /* No more blocks than were pushed (a damaged heap file may have
	 made the list a loop; see mmi_tc_pop).  */
      while (c->list[k] != NULL && c->count[k] > 0)
	{
	  mmi_free (c->heap, mmi_tc_pop (c, k));
	  mmi_jcommit (c->heap);	/* one block per journal */
	}
      c->list[k] = NULL;
      c->count[k] = 0;
    }
}

/* NEXT, a link read from a block of cache C's class K, failed the
   fast check of mmi_tc_pop.  The heap may have grown since C last
   looked (its usable part only grows): look again.  A link that still
   fails ends the list (its blocks leak).  Every block a cache is given
   lies below the heap's usable size at the time (refills under the
   lock; frees through mmi_small_run_of or a hint, which check it), so
   no sound link ever fails.  No lock: tc_drain calls this holding the
   heap's.  Returns the link to keep, or NULL.  */
void *
mmi_tc_bad_link (struct mm_tcache *c, unsigned int k, void *next)
{
  struct mm_heap *h = c->heap;

  if (((uintptr_t) next & 15) == 0 && h != NULL && h->backend != MM_B_SBRK)
    {
      c->span16 = __atomic_load_n (&h->mapped, __ATOMIC_RELAXED) >> 4;
      if (mmi_tc_link_ok (c, next))
	return next;
    }
  c->count[k] = 1;		/* mmi_tc_pop takes it to 0 */
  return NULL;
}

/* Give cache C's blocks back and unbind it.  */
static void
tc_unbind (struct mm_tcache *c)
{
  struct mm_heap *h = c->heap;

  if (h == NULL)
    return;
  pthread_mutex_lock (&h->tc_lock);
  if (c->heap == h)		/* not unbound by a detach meanwhile */
    {
      if (mmi_lock (h) == 0)
	{
	  tc_drain (c);
	  mmi_unlock (h);
	}
      *c->prevp = c->next;
      if (c->next != NULL)
	c->next->prevp = c->prevp;
    }
  __atomic_store_n (&c->md, MM_TC_NONE, __ATOMIC_RELAXED);
  __atomic_store_n (&c->heap, NULL, __ATOMIC_RELEASE);
  pthread_mutex_unlock (&h->tc_lock);
  if (mmi_tc_current == c)
    mmi_tc_current = NULL;
}

/* At thread exit: return the thread's blocks.  */
static void
tc_thread_exit (void *arg)
{
  struct mm_tthread *t = arg;
  unsigned int i;

  mmi_tc_current = NULL;
  for (i = 0; i < MM_TC_HEAPS; i++)
    tc_unbind (&t->c[i]);
  if (tc_thread == t)
    tc_thread = NULL;
  munmap (t, sizeof *t);
}

/* At exit: a program that ends without detaching its heap files (as
   GDB-era programs do) gives back what the exiting thread cached, so
   that the files do not lose those blocks.  Other threads may still
   run: their caches are left alone.  */
static void
tc_process_exit (void)
{
  struct mm_tthread *t = tc_thread;
  unsigned int i;

  if (t == NULL)
    return;
  for (i = 0; i < MM_TC_HEAPS; i++)
    {
      struct mm_heap *h = __atomic_load_n (&t->c[i].heap, __ATOMIC_ACQUIRE);
      if (h != NULL && h->backend == MM_B_FILE)
	tc_unbind (&t->c[i]);
    }
}

static void
tc_init_once (void)
{
  tc_key_ok = pthread_key_create (&tc_key, tc_thread_exit) == 0;
  atexit (tc_process_exit);
  mmi_atfork_init ();
}

/* This thread's cache for heap H (descriptor MD), bound on demand; NULL
   when none can be had.  */
static struct mm_tcache *
tc_get (struct mm_heap *h, void *md)
{
  struct mm_tthread *t = tc_thread;
  struct mm_tcache *c, *victim = NULL;
  unsigned int i;

  if (t == NULL)
    {
      pthread_once (&tc_once, tc_init_once);
      if (!tc_key_ok)
	return NULL;
      t = mmap (NULL, sizeof *t, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (t == MAP_FAILED)
	return NULL;
      for (i = 0; i < MM_TC_HEAPS; i++)
	t->c[i].md = MM_TC_NONE;
      if (pthread_setspecific (tc_key, t) != 0)
	{
	  munmap (t, sizeof *t);
	  return NULL;
	}
      tc_thread = t;
    }
  t->clock++;
  for (i = 0; i < MM_TC_HEAPS; i++)
    {
      c = &t->c[i];
      if (__atomic_load_n (&c->heap, __ATOMIC_ACQUIRE) == h)
	{
	  if (__atomic_load_n (&c->md, __ATOMIC_RELAXED) == md)
	    goto found;
	  /* Disabled (checking or tracing began): give its blocks back.  */
	  tc_unbind (c);
	}
    }
  for (i = 0; i < MM_TC_HEAPS; i++)
    {
      c = &t->c[i];
      if (__atomic_load_n (&c->heap, __ATOMIC_ACQUIRE) == NULL)
	{
	  victim = c;
	  break;
	}
      if (victim == NULL || c->last_use < victim->last_use)
	victim = c;
    }
  c = victim;
  tc_unbind (c);
  memset (c->count, 0, sizeof c->count);
  memset (c->list, 0, sizeof c->list);
  c->dry = 0;
  c->limit_bytes = 0;
  for (i = 0; i < MM_TC_CLASSES; i++)
    {
      c->limit[i] = mmi_tc_limit[i];
      c->limit_bytes += (size_t) mmi_tc_limit[i] * mmi_class_size[i];
    }
  pthread_mutex_lock (&h->tc_lock);
  c->next = h->tcaches;
  c->prevp = &h->tcaches;
  if (h->tcaches != NULL)
    h->tcaches->prevp = &c->next;
  h->tcaches = c;
  if (h->backend == MM_B_SBRK)
    {
      c->lo = 0;		/* other sbrk users interleave: no bound */
      c->span16 = UINTPTR_MAX >> 4;
    }
  else
    {
      c->lo = (uintptr_t) h->base;
      c->span16 = __atomic_load_n (&h->mapped, __ATOMIC_RELAXED) >> 4;
    }
  c->base = (uintptr_t) h->base;
  /* A heap file's map only hints: its fast path is mmi_free_nomap's.  */
  c->pmap = h->pmap_hint ? NULL : h->pmap;
  c->mapspan = c->pmap != NULL ? h->pmap_span : 0;
  c->hint = h->pmap_hint ? h->pmap : NULL;
  c->hintspan = c->hint != NULL ? h->pmap_span : 0;
  __atomic_store_n (&c->md, md, __ATOMIC_RELAXED);
  __atomic_store_n (&c->heap, h, __ATOMIC_RELEASE);
  pthread_mutex_unlock (&h->tc_lock);
 found:
  c->last_use = t->clock;
  mmi_tc_current = c;
  return c;
}

/* Blocks moved between cache C's class K and its heap at a time: half
   the class's limit.  */
#define TC_BATCH_MAX 128

static inline unsigned int
tc_batch (const struct mm_tcache *c, unsigned int k)
{
  unsigned int n = c->limit[k] / 2u;

  return n == 0 ? 1 : n < TC_BATCH_MAX ? n : TC_BATCH_MAX;
}

/* Class K of cache C (bound to H) is full.  Double its limit instead
   of giving blocks back when H is private and the class also ran dry
   since its limit last changed: the thread allocates and frees this
   class in batches larger than the cache, and each round of them
   would take the heap's lock.  Returns whether the limit grew.  */
static int
tc_grow (struct mm_tcache *c, const struct mm_heap *h, unsigned int k)
{
  uint64_t bit = (uint64_t) 1 << k;
  unsigned int to;
  size_t more;

  if (!(c->dry & bit) || h->backend == MM_B_FILE)
    return 0;
  c->dry &= ~bit;
  to = c->limit[k] * 2u;
  if (to > mmi_tc_max[k])
    to = mmi_tc_max[k];
  more = (size_t) (to - c->limit[k]) * mmi_class_size[k];
  if (more == 0 || c->limit_bytes + more > MM_TC_BUDGET)
    return 0;
  c->limit[k] = (uint16_t) to;
  c->limit_bytes += more;
  return 1;
}

/* mfree's fast path for a heap without a page map: a heap file
   attached with MMALLOC_CACHE (its hint map first, pagemap.c), an
   anonymous heap at an address its caller chose (or one whose address
   space was too short for a map).  */
void
mmi_free_nomap (struct mm_tcache *c, void *md, void *p, void *caller)
{
  int k = c->hint != NULL ? mmi_pmap_hint (c, p) : -1;

  if (k < 0)
    {
      uint32_t head;
      k = mmi_tc_class_desc (c, p, &head);
      if (k >= 0 && c->hint != NULL)
	mmi_pmap_learn (c, p, head, (unsigned int) k);
    }

  if (k >= 0 && c->count[k] < c->limit[k])
    {
      MMI_VG_RELEASE (p);
      mmi_tc_push (c, (unsigned int) k, p);
      return;
    }
  mmi_free_tail (md, p, caller);
}

/* Everything mmalloc's inline fast path did not do.  */
void *
mmi_malloc_slow (void *md, size_t size)
{
  struct mm_heap *h;
  struct mm_tcache *c;
  void *p;

  if (size == 0)
    return NULL;
  h = mmi_heap_of (md);
  if (mmi_unlikely (h == NULL) || !mmi_writable (h))
    return NULL;
  if (size <= MM_SMALL_MAX && tc_eligible (h)
      && (c = tc_get (h, md)) != NULL)
    {
      unsigned int k = mmi_class_of (size), n = tc_batch (c, k), i;
      if (c->list[k] != NULL)
	return mmi_tc_pop (c, k);
      if (mmi_lock (h) != 0)
	return NULL;
      c->dry |= (uint64_t) 1 << k;
      {
	/* A batch, a run at a time; handed out in address order.  For
	   a heap file, one journaled operation.  */
	void *v[TC_BATCH_MAX];
	unsigned int got = mmi_small_alloc_batch (h, k, v, n);
	/* The batch is final before a cache link overwrites the first word
	   of a block, which may still hold the run's free-list link that
	   an undo of the batch would bring back.  */
	mmi_jcommit (h);
	p = got != 0 ? v[0] : NULL;
	for (i = got; i-- > 1;)
	  {
	    MMI_VG_UNDEFINED (v[i], sizeof (void *));
	    mmi_tc_push (c, k, v[i]);
	  }
      }
      MMI_DEBUG_CHECK (h);
      mmi_unlock (h);
      return p;
    }
  if (mmi_lock (h) != 0)
    return NULL;
  if (mmi_likely (!(h->hdr->flags & MM_H_CHECKED)))
    p = mmi_malloc (h, size);
  else
    p = mmi_checked_alloc (h, size, 0);
  MMI_DEBUG_CHECK (h);
  mmi_unlock (h);
  return p;
}

/* Everything mfree's inline fast path did not do.  */
void
mmi_free_slow (void *md, void *p)
{
  struct mm_heap *h;
  struct mm_tcache *c;
  struct mm_page *d;
  uint32_t head;

  h = mmi_heap_of (md);
  if (mmi_unlikely (h == NULL) || !mmi_writable (h))
    return;
  if (mmi_unlikely (h == mmi_default) && mmi_is_foreign (h, p))
    {
      mmi_libc_free (p);
      return;
    }
  if (tc_eligible (h) && (d = mmi_small_run_of (h, p, &head)) != NULL
      && d->cls < MM_TC_CLASSES && !(d->flags & MM_F_CHECKED)
      && (c = tc_get (h, md)) != NULL)
    {
      unsigned int k = d->cls;
      MMI_VG_RELEASE (p);
      if (c->count[k] >= c->limit[k] && !tc_grow (c, h, k))
	{
	  /* Full: half of it goes back to the heap.  */
	  unsigned int n = tc_batch (c, k);
	  if (mmi_lock (h) != 0)
	    return;
	  if (h->journal == NULL)
	    {
	      void *v[TC_BATCH_MAX];
	      unsigned int got = 0;
	      while (got < n && c->list[k] != NULL)
		v[got++] = mmi_tc_pop (c, k);
	      mmi_small_free_batch (h, v, got);
	    }
	  else
	    while (n-- > 0 && c->list[k] != NULL)
	      {
		mmi_free (h, mmi_tc_pop (c, k));
		mmi_jcommit (h);
	      }
	  MMI_DEBUG_CHECK (h);
	  mmi_unlock (h);
	}
      mmi_tc_push (c, k, p);
      return;
    }
  if (mmi_lock (h) != 0)
    return;
  if (mmi_likely (!(h->hdr->flags & MM_H_CHECKED)))
    {
#ifdef HAVE_VALGRIND
      /* memcheck hears of frees inside this heap's region, where it
	 reports a double free or an interior pointer (and a block's
	 first word becomes the engine's only when the heap takes it); a
	 pointer outside (another heap's block, say) stays allocated for
	 it.  */
      uint32_t head;
      if (!mmi_valgrind)
	;
      else if (mmi_block_of (h, p, &head) != NULL)
	MMI_VG_RELEASE (p);
      else if ((char *) p >= h->base
	       && (uint64_t) ((char *) p - h->base) < h->hdr->capacity)
	MMI_VG_FREE (p);	/* refused: memcheck says why */
#endif
      mmi_free (h, p);
    }
  else
    mmi_checked_free (h, p);
  MMI_DEBUG_CHECK (h);
  mmi_unlock (h);
}

/* Heap H is being detached: no cache may use it again.  A private
   heap's cached blocks go with it; a heap file's go back to the file
   (no other thread may be using the heap while it is detached, so
   their caches are idle).  */
void
mmi_tc_detach (struct mm_heap *h)
{
  struct mm_tcache *c;
  int locked;

  pthread_mutex_lock (&h->tc_lock);
  locked = h->backend == MM_B_FILE && h->tcaches != NULL
    && mmi_lock (h) == 0;
  for (c = h->tcaches; c != NULL; c = c->next)
    {
      if (locked)
	tc_drain (c);
      __atomic_store_n (&c->md, MM_TC_NONE, __ATOMIC_RELAXED);
      __atomic_store_n (&c->heap, NULL, __ATOMIC_RELEASE);
    }
  h->tcaches = NULL;
  if (locked)
    mmi_unlock (h);
  pthread_mutex_unlock (&h->tc_lock);
  if (mmi_tc_current != NULL && mmi_tc_current->heap == NULL)
    mmi_tc_current = NULL;
}

/* Stop caching for H (checking turned on): every cache misses from now
   on, and its owner returns its blocks at its next slow call.  */
void
mmi_tc_disable (struct mm_heap *h)
{
  struct mm_tcache *c;

  pthread_mutex_lock (&h->tc_lock);
  for (c = h->tcaches; c != NULL; c = c->next)
    __atomic_store_n (&c->md, MM_TC_NONE, __ATOMIC_RELAXED);
  pthread_mutex_unlock (&h->tc_lock);
}

/* Blocks and bytes H's caches hold.  */
void
mmi_tc_totals (struct mm_heap *h, uint64_t *blocks, uint64_t *bytes)
{
  struct mm_tcache *c;

  *blocks = *bytes = 0;
  pthread_mutex_lock (&h->tc_lock);
  for (c = h->tcaches; c != NULL; c = c->next)
    {
      unsigned int k;
      for (k = 0; k < MM_TC_CLASSES; k++)
	{
	  uint64_t n = __atomic_load_n (&c->count[k], __ATOMIC_RELAXED);
	  *blocks += n;
	  *bytes += n * mmi_class_size[k];
	}
    }
  pthread_mutex_unlock (&h->tc_lock);
}

/* The rest of mmalloc after its fast path missed, out of line so that
   the fast path needs no stack frame.  */
void *
mmi_malloc_tail (void *md, size_t size, void *caller)
{
  void *p = mmi_malloc_slow (md, size);

  if (p != NULL)
    MMI_VG_ALLOC (p, size, 0);
  if (mmi_unlikely (mmi_tracing))
    mmi_trace (mmi_heap_of (md), '+', caller, p, NULL, size);
  return p;
}

/* The rest of mfree after its fast path missed.  */
void
mmi_free_tail (void *md, void *p, void *caller)
{
  mmi_free_slow (md, p);
  if (mmi_unlikely (mmi_tracing))
    mmi_trace (mmi_heap_of (md), '-', caller, p, NULL, 0);
}

/* In a fork child: forget the blocks cached for heap file H.  They are
   the parent's, which still holds them; handing them out here too
   would give two processes the same block.  */
void
mmi_tc_forget (struct mm_heap *h)
{
  struct mm_tcache *c;

  for (c = h->tcaches; c != NULL; c = c->next)
    {
      memset (c->count, 0, sizeof c->count);
      memset (c->list, 0, sizeof c->list);
    }
}
