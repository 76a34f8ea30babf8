/* streams.c -- the concurrency stripes (streams) of a heap keep the
   blocks of threads of different streams in different runs, and waste
   nothing for it.
   - Two threads of a heap of 4 streams (anonymous, with thread caches;
     a heap file, without) allocate 64-byte blocks one after the other:
     no page holds blocks of both.  With 1 stream they share pages (so
     the first check can fail).  The same on the default heap.
   - A thread whose stream has no partial run takes another stream's
     before carving new pages: a heap file of 4 streams, one thread
     leaves half-used runs, a thread of the next stream allocates into
     them and the heap does not grow.
   - A heap of limited capacity and 4 streams: after four threads each
     allocated and freed one block (leaving an empty current run in each
     stream), one thread can still allocate the whole capacity, as many
     blocks as from a heap of 1 stream.
   mmalloc_check is 0 after each step.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mmalloc.h>
#include "mmtest.h"

#define NB 200			/* blocks per thread (not a run's worth) */
#define PAGE 4096

static char path[64];

/* A heap: anonymous (FILE 0) or a fresh heap file, of STREAMS streams
   and CAPACITY bytes (0: no limit).  */
static void *
heap (int file, unsigned int streams, size_t capacity, int *fdp)
{
  struct mmalloc_options o;
  int fd = -1;
  void *md;

  if (file)
    {
      unlink (path);
      fd = open (path, O_RDWR | O_CREAT | O_TRUNC, 0600);
      if (fd < 0)
	mmt_fatal ("open %s: %s", path, strerror (errno));
    }
  memset (&o, 0, sizeof o);
  o.size = sizeof o;
  o.streams = streams;
  o.capacity = capacity;
  md = mmalloc_attach_opts (fd, NULL, &o);
  if (md == NULL)
    mmt_fatal ("mmalloc_attach_opts (streams %u): %s", streams,
	       strerror (errno));
  *fdp = fd;
  return md;
}

static void
done (void *md, int fd)
{
  mmalloc_detach (md);
  if (fd >= 0)
    close (fd);
  unlink (path);
}

struct job
{
  void *md;
  size_t size;
  int n;			/* blocks to allocate */
  int keep;			/* keep them (else free them at once) */
  void *p[NB];
};

static void *
allocate (void *arg)
{
  struct job *j = arg;
  int i;

  for (i = 0; i < j->n; i++)
    {
      j->p[i] = mmalloc (j->md, j->size);
      if (j->p[i] == NULL)
	mmt_fatal ("mmalloc: %s", strerror (errno));
      memset (j->p[i], 0x5a, j->size);
      if (!j->keep)
	mfree (j->md, j->p[i]);
    }
  return NULL;
}

/* Run J in a thread of its own (a new thread: a new stream).  */
static void
in_thread (struct job *j)
{
  pthread_t t;

  if (pthread_create (&t, NULL, allocate, j) != 0
      || pthread_join (t, NULL) != 0)
    mmt_fatal ("pthread_create/join failed");
}

/* How many pages hold blocks of both A and B.  */
static int
shared_pages (const struct job *a, const struct job *b)
{
  int i, k, n = 0;

  for (i = 0; i < a->n; i++)
    for (k = 0; k < b->n; k++)
      if ((uintptr_t) a->p[i] / PAGE == (uintptr_t) b->p[k] / PAGE)
	{
	  n++;
	  break;
	}
  return n;
}

/* Two threads, one after the other, each allocate and keep NB blocks of
   64 bytes from MD, into A and B; returns how many pages hold blocks of
   both.  */
static int
two_threads (void *md, struct job *a, struct job *b)
{
  memset (a, 0, sizeof *a);
  memset (b, 0, sizeof *b);
  a->md = b->md = md;
  a->size = b->size = 64;
  a->n = b->n = NB;
  a->keep = b->keep = 1;
  in_thread (a);
  in_thread (b);
  return shared_pages (a, b);
}

static void
apart (int file, unsigned int streams)
{
  static struct job a, b;
  const char *kind = file ? "heap file" : "anonymous heap";
  int fd, i, shared;
  void *md = heap (file, streams, 0, &fd);

  shared = two_threads (md, &a, &b);
  if (streams > 1)
    CHECK (shared == 0, "%s, %u stream(s): two threads' blocks share no page "
	   "(%d of %d pages shared)", kind, streams, shared, NB);
  else
    CHECK (shared > 0, "%s, 1 stream: two threads' blocks share pages "
	   "(%d)", kind, shared);
  CHECK (mmalloc_check (md) == 0, "%s, %u stream(s): mmalloc_check 0 (%s)",
	 kind, streams, mmalloc_check_message (md));
  for (i = 0; i < NB; i++)
    {
      mfree (md, a.p[i]);
      mfree (md, b.p[i]);
    }
  CHECK (mmalloc_check (md) == 0 && mmstats (md).chunks_used == 0,
	 "%s, %u stream(s): all freed, mmalloc_check 0", kind, streams);
  done (md, fd);
}

/* The default heap has as many streams as run sets: two threads'
   blocks never share a page there either (it once had one stream, and
   the threads of a program wrote to each other's cache lines).  */
static void
apart_default (void)
{
  static struct job a, b;
  int i, shared = two_threads (NULL, &a, &b);

  CHECK (shared == 0, "default heap: two threads' blocks share no page "
	 "(%d of %d pages shared)", shared, NB);
  CHECK (mmalloc_check (NULL) == 0, "default heap: mmalloc_check 0 (%s)",
	 mmalloc_check_message (NULL));
  for (i = 0; i < NB; i++)
    {
      mfree (NULL, a.p[i]);
      mfree (NULL, b.p[i]);
    }
  CHECK (mmalloc_check (NULL) == 0, "default heap: all freed, "
	 "mmalloc_check 0 (%s)", mmalloc_check_message (NULL));
}

/* One thread fills runs of 1024-byte blocks (13 runs of 16) and frees
   every other block; a thread of the next stream then allocates 64
   blocks, fewer than the listed runs have free: they come from the
   first thread's runs, and the heap does not grow.  */
static void
steal (void)
{
  static struct job a, b;
  int fd, i, inside = 0, k;
  void *md = heap (1, 4, 0, &fd);
  size_t before;

  memset (&a, 0, sizeof a);
  memset (&b, 0, sizeof b);
  a.md = b.md = md;
  a.size = b.size = 1024;
  a.n = NB;
  a.keep = 1;
  in_thread (&a);
  for (i = 0; i < NB; i += 2)
    {
      mfree (md, a.p[i]);
      a.p[i] = NULL;
    }
  before = mmstats (md).bytes_total;
  b.n = NB / 4;
  b.keep = 1;
  in_thread (&b);
  for (k = 0; k < b.n; k++)
    for (i = 1; i < NB; i += 2)
      if ((uintptr_t) a.p[i] / PAGE == (uintptr_t) b.p[k] / PAGE)
	{
	  inside++;
	  break;
	}
  CHECK (inside == b.n, "heap file, 4 streams: a thread of another stream "
	 "reuses the half-used runs (%d of %d blocks in them)", inside, b.n);
  CHECK (mmstats (md).bytes_total == before, "heap file, 4 streams: and the "
	 "heap does not grow (%zu, was %zu bytes)", mmstats (md).bytes_total,
	 before);
  CHECK (mmalloc_check (md) == 0, "steal: mmalloc_check 0 (%s)",
	 mmalloc_check_message (md));
  done (md, fd);
}

/* Blocks of SIZE one thread gets from a fresh heap file of STREAMS
   streams and CAPACITY bytes, after four threads each allocated and
   freed one block of each size in SIZES.  */
static long
fill (unsigned int streams, size_t capacity, size_t size)
{
  static const size_t sizes[] = { 16, 64, 512, 2048 };
  static struct job j[4];
  int fd, t, s;
  long n = 0;
  void *md = heap (1, streams, capacity, &fd);
  void *p, **list = NULL;

  for (t = 0; t < 4; t++)
    for (s = 0; s < 4; s++)
      {
	memset (&j[t], 0, sizeof j[t]);
	j[t].md = md;
	j[t].size = sizes[s];
	j[t].n = 1;
	in_thread (&j[t]);
      }
  while ((p = mmalloc (md, size)) != NULL)
    {
      *(void **) p = list;
      list = p;
      n++;
    }
  CHECK (errno == ENOMEM, "%u stream(s): the fill ends with ENOMEM", streams);
  CHECK (mmalloc_check (md) == 0, "%u stream(s): mmalloc_check 0 when full "
	 "(%s)", streams, mmalloc_check_message (md));
  while (list != NULL)
    {
      p = list;
      list = *(void **) p;
      mfree (md, p);
    }
  done (md, fd);
  return n;
}

static void
no_waste (void)
{
  size_t cap = 4u << 20;
  long one, four;

  one = fill (1, cap, 2048);
  four = fill (4, cap, 2048);
  CHECK (one > 0 && four == one, "a full heap of 4 streams holds as many "
	 "2048-byte blocks as one of 1 stream (%ld and %ld)", four, one);
  one = fill (1, cap, 100000);
  four = fill (4, cap, 100000);
  CHECK (one > 0 && four == one, "and as many 100000-byte blocks (%ld and "
	 "%ld)", four, one);
}

int
main (void)
{
  snprintf (path, sizeof path, "conc-streams-%ld.heap", (long) getpid ());
  alarm (120);
  apart (0, 4);
  apart (0, 1);
  apart (1, 4);
  apart (1, 1);
  apart_default ();
  steal ();
  no_waste ();
  mmt_exit ();
}
