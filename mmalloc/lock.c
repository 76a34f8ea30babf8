/* lock.c -- the heap lock.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* Each heap has one mutex, in its header, so that every process attached
   to a heap file sees the same lock.  It is process-shared and robust:
   when a process dies holding it, the next locker is told
   (EOWNERDEAD), undoes the dead process's unfinished operation from
   the heap's journal (journal.c) and marks the mutex usable.  Unlocking
   commits the operation: its journal is emptied.  Taking the lock is also when a process catches up with growth
   done by another process: the header's `mapped' is compared with this
   process's mapping.  */

#include "config.h"

#include <errno.h>
#include <string.h>
#include "mmprivate.h"

/* Initialize the lock of a new heap; SHARED for heaps other processes
   may attach.  0, or an errno value.  */
int
mmi_lock_init (struct mm_heap *h, int shared)
{
  pthread_mutexattr_t a;
  int rc;

  if ((rc = pthread_mutexattr_init (&a)) != 0)
    return rc;
  if (shared)
    {
      rc = pthread_mutexattr_setpshared (&a, PTHREAD_PROCESS_SHARED);
#ifdef HAVE_PTHREAD_MUTEXATTR_SETROBUST
      if (rc == 0)
	rc = pthread_mutexattr_setrobust (&a, PTHREAD_MUTEX_ROBUST);
#endif
    }
#ifdef __GLIBC__
  else
    /* Held for a few hundred nanoseconds at a time (a thread cache's
       batch): spinning briefly beats sleeping in the kernel.  */
    rc = pthread_mutexattr_settype (&a, PTHREAD_MUTEX_ADAPTIVE_NP);
#endif
  if (rc == 0)
    rc = pthread_mutex_init (&h->hdr->lock, &a);
  pthread_mutexattr_destroy (&a);
  return rc;
}

/* Lock heap H.  0, or -1 with errno set (the heap cannot be used).  */
int
mmi_lock (struct mm_heap *h)
{
  int rc = pthread_mutex_lock (&h->hdr->lock);

  if (mmi_unlikely (rc != 0))
    {
#ifdef HAVE_PTHREAD_MUTEXATTR_SETROBUST
      if (rc == EOWNERDEAD)
	{
	  /* A process died inside an operation: its journal says what
	     it changed.  The journal may name pages it mapped and we
	     have not yet.  */
	  if (h->hdr->mapped > h->mapped && h->backend == MM_B_FILE)
	    mmi_sync_mapping (h);
	  if (h->journal != NULL)
	    mmi_recover (h);
	  pthread_mutex_consistent (&h->hdr->lock);
	}
      else
#endif
	{
	  errno = rc;
	  return -1;
	}
    }
  if (mmi_unlikely (h->hdr->mapped > h->mapped)
      && h->backend == MM_B_FILE && mmi_sync_mapping (h) != 0)
    {
      pthread_mutex_unlock (&h->hdr->lock);
      return -1;
    }
  return 0;
}

void
mmi_unlock (struct mm_heap *h)
{
  mmi_jcommit (h);
  pthread_mutex_unlock (&h->hdr->lock);
}
