/* heaps.c -- the table of heaps attached in this process.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* Every public call names its heap by descriptor (the base address); this
   file turns a descriptor into the process-local `struct mm_heap'.  The
   table is a fixed array of slots that are never freed, only marked dead
   and reused, so a reader can scan it without a lock: a slot it reads is
   always valid memory, and `live' plus `base' say whether it is the heap
   asked for.  A per-thread cache of the last heap found makes the common
   case one comparison.  The table is allocated with mmap, never malloc,
   since this library may itself be malloc.  */

#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <sys/mman.h>
#include "mmprivate.h"

/* Heaps attached at once in one process.  */
#define MM_MAX_HEAPS 4096

#ifdef HAVE_VALGRIND
int mmi_valgrind;

/* Before main, and before any allocation of ours.  */
static void __attribute__ ((constructor))
detect_valgrind (void)
{
  mmi_valgrind = RUNNING_ON_VALGRIND != 0;
}
#endif

static struct mm_heap *heap_slots;	/* MM_MAX_HEAPS slots, or NULL */
static unsigned int heap_count;		/* slots ever used */
static pthread_mutex_t heap_table_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread struct mm_heap *heap_last;

/* The heap whose descriptor is MD, or NULL (errno EINVAL).  */
struct mm_heap *
mmi_heap_lookup_slow (void *md)
{
  unsigned int i, n = __atomic_load_n (&heap_count, __ATOMIC_ACQUIRE);
  struct mm_heap *slots = __atomic_load_n (&heap_slots, __ATOMIC_ACQUIRE);

  for (i = 0; i < n; i++)
    if (__atomic_load_n (&slots[i].live, __ATOMIC_ACQUIRE)
	&& slots[i].base == (char *) md)
      {
	heap_last = &slots[i];
	return &slots[i];
      }
  errno = EINVAL;
  return NULL;
}

/* The heap of descriptor MD: the default heap for NULL.  */
struct mm_heap *
mmi_heap_of (void *md)
{
  struct mm_heap *h = heap_last;

  if (md == NULL)
    return mmi_default_heap ();
  if (mmi_likely (h != NULL && h->base == (char *) md && h->live))
    return h;
  return mmi_heap_lookup_slow (md);
}

/* A fresh, not yet live slot, or NULL (errno ENOMEM).  */
struct mm_heap *
mmi_heap_new (void)
{
  struct mm_heap *h = NULL;
  unsigned int i;

  pthread_mutex_lock (&heap_table_lock);
  if (heap_slots == NULL)
    {
      void *p = mmap (NULL, MM_MAX_HEAPS * sizeof (struct mm_heap),
		      PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (p == MAP_FAILED)
	goto out;
      __atomic_store_n (&heap_slots, (struct mm_heap *) p, __ATOMIC_RELEASE);
    }
  /* Reuse a dead slot first: slots stay readable forever.  Slots being
     set up are marked live = -1 by the caller's reservation below.  */
  for (i = 0; i < heap_count; i++)
    if (heap_slots[i].live == 0 && heap_slots[i].base == NULL)
      {
	h = &heap_slots[i];
	break;
      }
  if (h == NULL && heap_count < MM_MAX_HEAPS)
    {
      h = &heap_slots[heap_count];
      __atomic_store_n (&heap_count, heap_count + 1, __ATOMIC_RELEASE);
    }
  if (h != NULL)
    {
      /* Claim it: a non-null base keeps other attaches off the slot
	 while LIVE stays 0, so lookups ignore it until it is ready.  */
      h->live = 0;
      h->base = (char *) 1;
      h->hdr = NULL;
      h->fd = -1;
      h->lockfd = -1;
      h->journal = NULL;
      h->rdonly = 0;
      h->cached = 1;
      h->alone = 0;
      h->mapped = h->reserved = h->fmapped = 0;
      h->saved_errno = 0;
      h->traced = 0;
      h->abortfunc = NULL;
      h->check_msg[0] = '\0';
      h->tcaches = NULL;
      h->pmap = NULL;
      h->pmap_span = h->pmap_bytes = 0;
      h->pmap_hint = 0;
      pthread_mutex_init (&h->tc_lock, NULL);
    }
 out:
  pthread_mutex_unlock (&heap_table_lock);
  if (h == NULL)
    errno = ENOMEM;
  return h;
}

/* Give slot H back (after detach, or when an attach failed).  */
void
mmi_heap_release (struct mm_heap *h)
{
  pthread_mutex_lock (&heap_table_lock);
  __atomic_store_n (&h->live, 0, __ATOMIC_RELEASE);
  if (heap_last == h)
    heap_last = NULL;
  h->base = NULL;
  pthread_mutex_unlock (&heap_table_lock);
}

/* Turn off every thread cache of every heap (tracing began).  */
void
mmi_tc_disable_all (void)
{
  unsigned int i, n = __atomic_load_n (&heap_count, __ATOMIC_ACQUIRE);

  for (i = 0; i < n; i++)
    if (__atomic_load_n (&heap_slots[i].live, __ATOMIC_ACQUIRE))
      mmi_tc_disable (&heap_slots[i]);
}

/* Fork safety.  A child has only the thread that forked; a lock held by
   any other thread at that moment would stay held for ever in the
   child.  So fork waits until it can hold the table, every heap's
   cache list and every process-private heap (the only ones whose
   memory the child gets a copy of; file heaps' robust locks belong to
   their file), and both sides let them go after.  The child forgets
   the blocks cached for heap files: they are the parent's.  */

static int
forkable (struct mm_heap *h)
{
  return __atomic_load_n (&h->live, __ATOMIC_ACQUIRE) && !h->rdonly;
}

static void
atfork_prepare (void)
{
  unsigned int i;

  pthread_mutex_lock (&heap_table_lock);
  for (i = 0; i < heap_count; i++)
    if (forkable (&heap_slots[i]))
      {
	pthread_mutex_lock (&heap_slots[i].tc_lock);
	if (heap_slots[i].backend != MM_B_FILE)
	  pthread_mutex_lock (&heap_slots[i].hdr->lock);
      }
}

static void
release (int child)
{
  unsigned int i = heap_count;

  while (i-- > 0)
    if (forkable (&heap_slots[i]))
      {
	if (heap_slots[i].backend != MM_B_FILE)
	  pthread_mutex_unlock (&heap_slots[i].hdr->lock);
	else if (child)
	  mmi_tc_forget (&heap_slots[i]);
	pthread_mutex_unlock (&heap_slots[i].tc_lock);
      }
  pthread_mutex_unlock (&heap_table_lock);
}

static void
atfork_parent (void)
{
  release (0);
}

static void
atfork_child (void)
{
  release (1);
  mmi_streams_forget ();
}

static void
register_atfork (void)
{
  pthread_atfork (atfork_prepare, atfork_parent, atfork_child);
}

/* Register the fork handlers (once, from the first thread cache or the
   default heap's creation).  */
void
mmi_atfork_init (void)
{
  static pthread_once_t once = PTHREAD_ONCE_INIT;

  pthread_once (&once, register_atfork);
}
