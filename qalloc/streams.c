/* streams.c -- which stream a thread uses, and the streams' locks.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* The original qalloc hashed pthread_self () to a stream, which on
   glibc put every thread in the same one.  Here a thread gets a number
   the first time it needs one, round-robin over the process, and uses
   that number modulo the map's stream count.  Nothing a map returns
   depends on this mapping: it only spreads lock traffic.

   The locks live in the map files and are shared by every process that
   loads a map: they are process-shared and, where the system has them,
   robust.  A process that dies holding one leaves the lists consistent
   (statmap.c orders its updates so), and the next locker marks the lock
   consistent and goes on.  */

#include "config.h"

#include <errno.h>
#include <pthread.h>

#include "qprivate.h"

/* 1 + this thread's number, or 0 before its first use.  */
static _Thread_local unsigned int thread_number;

/* The last number handed out.  */
static unsigned int last_number;

unsigned int
qp_thread_stream (unsigned int streams)
{
  unsigned int n = thread_number;

  if (n == 0)
    {
      n = __atomic_add_fetch (&last_number, 1, __ATOMIC_RELAXED);
      if (n == 0)		/* wrapped around */
	n = 1;
      thread_number = n;
    }
  return streams > 1 ? (n - 1) % streams : 0;
}

/* Initialize M, in a map file, as a process-shared robust mutex.
   0, or an error number.  */
int
qp_mutex_init (pthread_mutex_t *m)
{
  pthread_mutexattr_t attr;
  int rc;

  rc = pthread_mutexattr_init (&attr);
  if (rc != 0)
    return rc;
  rc = pthread_mutexattr_setpshared (&attr, PTHREAD_PROCESS_SHARED);
#ifdef HAVE_PTHREAD_MUTEXATTR_SETROBUST
  if (rc == 0)
    rc = pthread_mutexattr_setrobust (&attr, PTHREAD_MUTEX_ROBUST);
#endif
  if (rc == 0)
    rc = pthread_mutex_init (m, &attr);
  pthread_mutexattr_destroy (&attr);
  return rc;
}

/* Lock M.  A lock whose owner died is taken over: every update made
   under these locks leaves the data consistent at every step, so there
   is nothing to repair beyond what the callers' link checks do.  0, or
   an error number (the lock is then not held).  */
int
qp_mutex_lock (pthread_mutex_t *m)
{
  int rc = pthread_mutex_lock (m);

#ifdef HAVE_PTHREAD_MUTEXATTR_SETROBUST
  if (rc == EOWNERDEAD)
    {
      rc = pthread_mutex_consistent (m);
      if (rc != 0)
	pthread_mutex_unlock (m);
    }
#endif
  return rc;
}

void
qp_mutex_unlock (pthread_mutex_t *m)
{
  pthread_mutex_unlock (m);
}
