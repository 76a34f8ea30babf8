/* threadstream.c -- which stream, and so which run set, a thread uses.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* A heap's streams are chosen when it is created (mmalloc_attach_opts).
   Each thread gets a stream number the first time it needs one, from a
   counter that starts at a value drawn from the process id, so that the
   threads of one process spread over the streams in turn and the first
   threads of different processes sharing a heap file are unlikely to
   meet.  The number only chooses which runs blocks come from (see
   MM_RUNSETS): correctness never depends on it, and two threads with
   one number merely share runs as all threads once did.  */

#include "config.h"

#include <unistd.h>
#include "mmprivate.h"

__thread uint32_t mmi_tstream __attribute__ ((tls_model ("initial-exec")));

static uint32_t next_stream;	/* 0: not seeded yet */

/* Give the calling thread its stream number (1 or more) and return it.  */
uint32_t
mmi_stream_assign (void)
{
  uint32_t s = __atomic_load_n (&next_stream, __ATOMIC_RELAXED);

  if (s == 0)
    {
      /* Seed from the process id (Knuth's multiplicative hash); a lost
	 race only seeds twice.  */
      uint32_t seed = ((uint32_t) getpid () * 2654435761u) >> 24;
      uint32_t zero = 0;
      __atomic_compare_exchange_n (&next_stream, &zero, seed | 0x100u, 0,
				   __ATOMIC_RELAXED, __ATOMIC_RELAXED);
    }
  s = __atomic_fetch_add (&next_stream, 1, __ATOMIC_RELAXED);
  s = (s & 0xffffu) + 1;
  mmi_tstream = s;
  return s;
}

/* In a fork child: the child's threads are new to every heap file it
   shares with its parent, so it draws its numbers afresh.  */
void
mmi_streams_forget (void)
{
  __atomic_store_n (&next_stream, 0, __ATOMIC_RELAXED);
  mmi_tstream = 0;
}
