/* killloop.c -- issue 5, third acceptance test: recovery from a process
   killed at a random instruction.  Each round, a worker process
   attaches a heap file and loops: it appends committed nodes to a list
   rooted at key 0, and allocates, resizes and frees scratch blocks of
   mixed sizes (some above 16 KiB, rarely above 16 MiB) recorded in the
   same root, so that the kill often lands inside the allocator.  The
   parent SIGKILLs it after a random 0-20 ms, then a fresh process
   attaches and checks: mmalloc_check is 0; the list holds every node
   ever committed (serials n, n-1, ..., 1 with intact checksums: so it
   is acyclic and nothing was lost) and n never goes down from one round
   to the next; every scratch block recorded in the root is still a
   block with its tags; and the heap can still allocate.  Then the next
   round runs on the same file.

   A node is committed once it is written whole and linked in: the
   worker fills the node (link included) and then publishes it with one
   aligned 8-byte store to the list head, so a node is linked entirely
   or not at all.  Scratch pointers are cleared before a block is freed
   or resized and stored only after its tags are written, so the root
   never names a block that is not the worker's.

   A round whose check fails is reported (first ones in full, then a
   summary of the kinds of damage) and the heap file is created afresh
   so that the following rounds measure independently: the totals are a
   failure rate.  Every wait is bounded; a checker that does not finish
   is killed and counted as a hang.
   Usage: killloop [ROUNDS] [--stress] [--no-kill] [--cache]   (200;
   2,000 with MMTEST_STRESS=1 or --stress).  --no-kill is the control:
   each worker stops by itself after a random number of operations and
   detaches, so every round must pass whatever the engine's recovery
   does.  --cache: the worker attaches with MMALLOC_CACHE, so the kill
   also lands in its thread cache's batched refills (the blocks it had
   cached are leaked, never lost from the list or handed out twice).
   Copyright (C) 2026 The mmalloc developers.  This file is part of
   mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mmalloc.h>
#include "mmtest.h"
#include "conc.h"

#define ROOT_MAGIC 0x6B696C6C6C6F6F70ULL	/* "killloop" */
#define NSCRATCH 32
/* The checker empties the list when it grows past this, so that the
   file stays small over 2,000 rounds; serials then start again at 1.  */
#define TRIM_AT 5000
#define CHECK_MS 20000		/* the most a checker may take */

struct root
{
  uint64_t magic;
  uint64_t head;		/* struct node *, 0 for an empty list */
  uint64_t scratch[NSCRATCH];	/* tagged blocks, 0 for none */
};

struct node
{
  uint64_t next;
  uint64_t serial;		/* next's serial + 1; 1 at the tail */
  uint64_t size;		/* bytes of the node */
  uint64_t sum;			/* checksum of the above and the payload */
  unsigned char payload[];
};

static char path[64];
static int use_cache;		/* --cache */

static unsigned char
payload_byte (uint64_t serial, size_t i)
{
  return (unsigned char) (serial * 31 + i * 7 + (i >> 8));
}

static uint64_t
node_sum (const struct node *n)
{
  uint64_t h = 0xCBF29CE484222325ULL;
  size_t i, len = (size_t) n->size - sizeof *n;

  h = (h ^ n->serial) * 0x100000001B3ULL;
  h = (h ^ n->size) * 0x100000001B3ULL;
  for (i = 0; i < len; i++)
    h = (h ^ n->payload[i]) * 0x100000001B3ULL;
  return h;
}

/* ---------------------------------------------------------------- */
/* The worker: runs until it is killed.  */

static void
worker (uint64_t seed, long limit)
{
  int fd = open (path, O_RDWR);
  struct root *r;
  uint64_t serial = 0;
  void *md;

  alarm (5);			/* never outlive a lost parent for long */
  if (fd < 0)
    _exit (2);
  if (use_cache)
    {
      struct mmalloc_options o;
      memset (&o, 0, sizeof o);
      o.size = sizeof o;
      o.flags = MMALLOC_CACHE;
      md = mmalloc_attach_opts (fd, NULL, &o);
    }
  else
    md = mmalloc_attach (fd, NULL);
  if (md == NULL)
    _exit (2);
  r = mmalloc_getkey (md, 0);
  if (r == NULL || r->magic != ROOT_MAGIC)
    _exit (3);
  for (;;)
    {
      uint64_t x = conc_rand (&seed);
      unsigned int op = (unsigned int) (x % 100);

      if (limit > 0 && --limit == 0)
	_exit (mmalloc_detach (md) == NULL ? 0 : 5);

      if (op < 30)
	{
	  /* Append a node: write it whole, then publish it.  */
	  struct node *h = (struct node *) (uintptr_t)
	    __atomic_load_n (&r->head, __ATOMIC_ACQUIRE);
	  size_t size = sizeof (struct node)
	    + ((x >> 8) % 16 == 0 ? (size_t) ((x >> 12) % 20000)
	       : (size_t) ((x >> 12) % 200));
	  struct node *n = mmalloc (md, size);
	  size_t i;

	  if (n == NULL)
	    _exit (4);
	  serial = h != NULL ? h->serial + 1 : 1;
	  n->next = (uint64_t) (uintptr_t) h;
	  n->serial = serial;
	  n->size = size;
	  for (i = 0; i < size - sizeof *n; i++)
	    n->payload[i] = payload_byte (serial, i);
	  n->sum = node_sum (n);
	  __atomic_store_n (&r->head, (uint64_t) (uintptr_t) n,
			    __ATOMIC_RELEASE);
	}
      else
	{
	  unsigned int k = (unsigned int) ((x >> 8) % NSCRATCH);
	  char *p = (char *) (uintptr_t) r->scratch[k];
	  unsigned int s = (unsigned int) ((x >> 16) % 1000);
	  size_t size;
	  char *q;

	  /* Mixed sizes; only slot 0 may hold a huge block, so that the
	     file stays within reason.  */
	  if (k == 0 && s < 5)
	    size = ((size_t) 16 << 20) + 4096 + (size_t) ((x >> 32) % 65536);
	  else if (s < 150)
	    size = 16385 + (size_t) ((x >> 32) % (200000 - 16384));
	  else
	    size = CONC_MIN_SIZE + (size_t) ((x >> 32) % 4000);
	  if (p == NULL)
	    {
	      unsigned int how = (unsigned int) ((x >> 24) % 3);
	      q = how == 0 ? mmalloc (md, size)
		: how == 1 ? mcalloc (md, 1, size)
		: mmemalign (md, (size_t) 64 << ((x >> 28) % 6), size);
	      if (q == NULL)
		_exit (4);
	      conc_tag (q, size, 1, ++serial);
	      __atomic_store_n (&r->scratch[k], (uint64_t) (uintptr_t) q,
				__ATOMIC_RELEASE);
	    }
	  else
	    {
	      __atomic_store_n (&r->scratch[k], 0, __ATOMIC_RELEASE);
	      if ((x >> 24) % 2 == 0)
		mfree (md, p);
	      else
		{
		  q = mrealloc (md, p, size);
		  if (q == NULL)
		    _exit (4);
		  conc_tag (q, size, 1, ++serial);
		  __atomic_store_n (&r->scratch[k], (uint64_t) (uintptr_t) q,
				    __ATOMIC_RELEASE);
		}
	    }
	}
    }
}

/* ---------------------------------------------------------------- */
/* The checker: a fresh process; writes one line to OUT:
     "OK <nodes> <trimmed>"  or  "BAD <what is wrong>".  */

static void
report (int out, const char *fmt, ...) MMT_PRINTF (2, 3);

static void
report (int out, const char *fmt, ...)
{
  char buf[512];
  va_list ap;
  int n;

  va_start (ap, fmt);
  n = vsnprintf (buf, sizeof buf - 1, fmt, ap);
  va_end (ap);
  if (n < 0)
    n = 0;
  if (n > (int) sizeof buf - 2)
    n = (int) sizeof buf - 2;
  buf[n++] = '\n';
  if (write (out, buf, (size_t) n) != n)
    _exit (9);
}

/* Check the list and the scratch blocks of root R.  NULL when they are
   whole (*COUNT = the nodes), else what is wrong, in BUF.  */
static const char *
check_data (void *md, struct root *r, uint64_t *countp, char *buf,
	    size_t len)
{
  struct node *n = (struct node *) (uintptr_t) r->head;
  uint64_t expect = n != NULL ? n->serial : 0, count = 0;
  int k;

  /* The list: serials top, top - 1, ..., 1, each node a block of the
     heap holding its checksum.  */
  for (; n != NULL; expect--)
    {
      size_t u = mmalloc_usable_size (md, n);

      if (u == 0)
	{
	  snprintf (buf, len, "list: node %llu (%p) is not an allocated "
		    "block", (unsigned long long) expect, (void *) n);
	  return buf;
	}
      if (n->serial != expect || n->size < sizeof *n || n->size > u
	  || n->sum != node_sum (n))
	{
	  snprintf (buf, len, "list: node %llu (%p) damaged: serial %llu, "
		    "size %llu, usable %zu, checksum %s",
		    (unsigned long long) expect, (void *) n,
		    (unsigned long long) n->serial,
		    (unsigned long long) n->size, u,
		    n->size >= sizeof *n && n->size <= u
		    && n->sum == node_sum (n) ? "ok" : "bad");
	  return buf;
	}
      count++;
      n = (struct node *) (uintptr_t) n->next;
      if (expect == 1 && n != NULL)
	{
	  snprintf (buf, len, "list: continues past serial 1 (cycle or "
		    "stray link to %p)", (void *) n);
	  return buf;
	}
    }
  if (expect != 0)
    {
      snprintf (buf, len, "list: ends at serial %llu, nodes below it lost",
		(unsigned long long) expect + 1);
      return buf;
    }

  /* Every scratch block the root names is the worker's, with its
     tags.  */
  for (k = 0; k < NSCRATCH; k++)
    if (r->scratch[k] != 0)
      {
	char *p = (char *) (uintptr_t) r->scratch[k];
	size_t u = mmalloc_usable_size (md, p), sz = 0;
	const char *why = u == 0 ? "not an allocated block"
	  : conc_untag (p, NULL, &sz);

	if (why == NULL && u < sz)
	  why = "smaller than its tagged size";
	if (why != NULL)
	  {
	    snprintf (buf, len, "scratch %d (%p): %s", k, (void *) p, why);
	    return buf;
	  }
      }
  *countp = count;
  return NULL;
}

static void
checker (int out)
{
  int fd = open (path, O_RDWR);
  struct root *r;
  struct node *n;
  uint64_t count = 0;
  int trimmed = 0, k, sound;
  void *md, *probe[8];
  char cmsg[256], dbuf[256];
  const char *dmsg;

  alarm (CHECK_MS / 1000 + 5);
  if (fd < 0)
    {
      report (out, "BAD open: %s", strerror (errno));
      _exit (1);
    }
  md = mmalloc_attach (fd, NULL);
  if (md == NULL)
    {
      report (out, "BAD attach: %s", strerror (errno));
      _exit (1);
    }
  sound = mmalloc_check (md) == 0;
  snprintf (cmsg, sizeof cmsg, "%s", sound ? "" : mmalloc_check_message (md));
  r = mmalloc_getkey (md, 0);
  if (r == NULL || r->magic != ROOT_MAGIC)
    {
      report (out, "BAD the root at key 0 is gone%s%s", sound ? "" : "; ",
	      cmsg);
      _exit (1);
    }
  /* The committed data is checked even when mmalloc_check failed, to
     tell damage to the allocator's metadata from lost data.  */
  dmsg = check_data (md, r, &count, dbuf, sizeof dbuf);
  if (!sound)
    {
      report (out, "BAD mmalloc_check: %s; %s", cmsg,
	      dmsg != NULL ? dmsg : "committed data intact");
      _exit (1);
    }
  if (dmsg != NULL)
    {
      report (out, "BAD %s (mmalloc_check passed)", dmsg);
      _exit (1);
    }

  /* The heap can still allocate (and free).  */
  for (k = 0; k < 8; k++)
    {
      size_t size = k < 6 ? (size_t) 24 << (2 * k) : (size_t) 300000;
      probe[k] = mmalloc (md, size);
      if (probe[k] == NULL)
	{
	  report (out, "BAD cannot allocate %zu bytes after recovery: %s",
		  size, strerror (errno));
	  _exit (1);
	}
      memset (probe[k], 0xA5, size);
    }
  for (k = 0; k < 8; k++)
    mfree (md, probe[k]);

  /* Keep the file small: empty the list now and then.  */
  if (count > TRIM_AT)
    {
      n = (struct node *) (uintptr_t) r->head;
      r->head = 0;
      while (n != NULL)
	{
	  struct node *next = (struct node *) (uintptr_t) n->next;
	  mfree (md, n);
	  n = next;
	}
      trimmed = 1;
    }
  if (mmalloc_check (md) != 0)
    {
      report (out, "BAD mmalloc_check after allocating: %s",
	      mmalloc_check_message (md));
      _exit (1);
    }
  if (mmalloc_detach (md) != NULL)
    {
      report (out, "BAD detach: %s", strerror (errno));
      _exit (1);
    }
  report (out, "OK %llu %d", (unsigned long long) count, trimmed);
  _exit (0);
}

/* Create the heap file afresh, with its root (in a process of its
   own, like every attach here).  */
static int
setup (void)
{
  pid_t pid;

  unlink (path);
  pid = mmt_fork ();
  if (pid == 0)
    {
      int fd = open (path, O_RDWR | O_CREAT | O_EXCL, 0600);
      struct root *r;
      void *md;

      if (fd < 0 || (md = mmalloc_attach (fd, NULL)) == NULL)
	_exit (1);
      r = mcalloc (md, 1, sizeof *r);
      if (r == NULL || !mmalloc_setkey (md, 0, r))
	_exit (1);
      r->magic = ROOT_MAGIC;
      _exit (mmalloc_detach (md) == NULL ? 0 : 1);
    }
  return pid < 0 ? -1 : conc_wait_ms (pid, 20000);
}

/* Run the checker; store its line in LINE.  Returns its wait status
   as conc_wait_ms does.  */
static int
run_checker (char *line, size_t len)
{
  int p[2], st;
  pid_t pid;
  ssize_t got = 0;

  line[0] = '\0';
  if (pipe (p) != 0)
    return -1;
  pid = mmt_fork ();
  if (pid == 0)
    {
      close (p[0]);
      checker (p[1]);
    }
  close (p[1]);
  st = pid < 0 ? -1 : conc_wait_ms (pid, CHECK_MS);
  if (pid > 0)
    {
      ssize_t n;
      /* The checker is gone: this read cannot block.  */
      while ((size_t) got < len - 1
	     && (n = read (p[0], line + got, len - 1 - (size_t) got)) > 0)
	got += n;
      line[got] = '\0';
      line[strcspn (line, "\n")] = '\0';
    }
  close (p[0]);
  return st;
}

/* Kinds of damage seen: the message with its numbers and addresses
   masked, and a count.  */
#define NKINDS 32
static struct
{
  char text[200];
  unsigned long count;
} kinds[NKINDS];

static void
tally (const char *msg)
{
  char t[200];
  size_t i, j = 0;
  int k;

  for (i = 0; msg[i] != '\0' && j < sizeof t - 1; i++)
    {
      if (msg[i] >= '0' && msg[i] <= '9')
	{
	  while ((msg[i + 1] >= '0' && msg[i + 1] <= '9')
		 || (msg[i + 1] >= 'a' && msg[i + 1] <= 'f')
		 || msg[i + 1] == 'x')
	    i++;
	  t[j++] = '#';
	}
      else
	t[j++] = msg[i];
    }
  t[j] = '\0';
  for (k = 0; k < NKINDS; k++)
    {
      if (kinds[k].count == 0)
	{
	  snprintf (kinds[k].text, sizeof kinds[k].text, "%s", t);
	  kinds[k].count = 1;
	  return;
	}
      if (strcmp (kinds[k].text, t) == 0)
	{
	  kinds[k].count++;
	  return;
	}
    }
}

int
main (int argc, char **argv)
{
  int stress = conc_stress (argc, argv), nokill = 0;
  long rounds = stress ? 2000 : 200, round;
  unsigned long damaged = 0, hangs = 0, crashed = 0, killed_early = 0;
  unsigned long recreated = 0, trims = 0;
  unsigned long long last = 0, most = 0;
  uint64_t seed;
  long long t0 = conc_now_ms ();
  char line[512];
  int st, k;

  if (argc > 1 && argv[1][0] != '-')
    rounds = atol (argv[1]);
  for (k = 1; k < argc; k++)
    if (strcmp (argv[k], "--no-kill") == 0)
      nokill = 1;
    else if (strcmp (argv[k], "--cache") == 0)
      use_cache = 1;
  /* The checkers and worker kills are each bounded; this is the last
     resort for the loop as a whole (a round takes some 40 ms), below
     the timeout of concurrency.exp.  */
  conc_watchdog ("killloop", (unsigned int) (30 + rounds));
  seed = conc_seed ((uint64_t) getpid (), (uint64_t) time (NULL));
  mmt_note ("%ld rounds%s%s, seed %llu", rounds,
	    nokill ? " without kills (control)" : "",
	    use_cache ? " with MMALLOC_CACHE" : "",
	    (unsigned long long) seed);
  snprintf (path, sizeof path, "conc-killloop-%ld.heap", (long) getpid ());
  conc_phase = "setup";
  if ((st = setup ()) != 0)
    mmt_fatal ("creating the heap file failed (%d)", st);

  for (round = 1; round <= rounds; round++)
    {
      uint64_t x = conc_rand (&seed);
      struct timespec delay;
      const char *bad = NULL;
      pid_t pid;
      int ws;

      conc_phase = "worker";
      delay.tv_sec = 0;
      delay.tv_nsec = (long) (x % 20000001);	/* 0 to 20 ms */
      pid = mmt_fork ();
      if (pid < 0)
	mmt_fatal ("fork: %s", strerror (errno));
      if (pid == 0)
	worker (x >> 8 | 1, nokill ? 1 + (long) (x >> 40) % 20000 : 0);
      if (!nokill)
	{
	  nanosleep (&delay, NULL);
	  kill (pid, SIGKILL);
	}
      ws = conc_wait_ms (pid, 10000);
      if (ws != (nokill ? 0 : 128 + SIGKILL))
	{
	  /* It ended on its own before the kill: an error in the worker
	     (2: attach failed, 3: no root, 4: allocation failed) or a
	     crash.  */
	  killed_early++;
	  snprintf (line, sizeof line, "BAD the worker ended by itself "
		    "(status %d) before the kill", ws);
	  bad = line;
	}

      conc_phase = "checker";
      if (bad == NULL)
	{
	  st = run_checker (line, sizeof line);
	  if (st == -2)
	    {
	      hangs++;
	      snprintf (line, sizeof line, "BAD the checker hung (more than "
			"%d s): deadlock on the dead worker's lock?",
			CHECK_MS / 1000);
	    }
	  else if (st != 0 && strncmp (line, "BAD", 3) != 0)
	    {
	      crashed++;
	      snprintf (line, sizeof line, "BAD the checker crashed "
			"(status %d)", st);
	    }
	  if (strncmp (line, "OK", 2) == 0)
	    {
	      unsigned long long count = 0;
	      int trimmed = 0;
	      sscanf (line + 2, "%llu %d", &count, &trimmed);
	      if (count < last)
		{
		  snprintf (line, sizeof line, "BAD committed nodes went "
			    "down from %llu to %llu", last, count);
		  bad = line;
		}
	      else
		{
		  last = trimmed ? 0 : count;
		  trims += trimmed;
		  if (count > most)
		    most = count;
		}
	    }
	  else
	    bad = line;
	}

      if (bad != NULL)
	{
	  damaged++;
	  tally (bad + 4);
	  if (damaged <= 10)
	    mmt_note ("round %ld (kill after %ld us): %s", round,
		      delay.tv_nsec / 1000, bad + 4);
	  /* Keep the first damaged file for a post-mortem (a .heap file:
	     `make clean' removes it), and measure the next rounds on a
	     sound heap.  */
	  if (damaged == 1)
	    {
	      char keep[96];
	      snprintf (keep, sizeof keep, "conc-killloop-%ld-round%ld.heap",
			(long) getpid (), round);
	      if (rename (path, keep) == 0)
		mmt_note ("the damaged heap file is kept as %s", keep);
	    }
	  conc_phase = "setup";
	  if ((st = setup ()) != 0)
	    mmt_fatal ("re-creating the heap file failed (%d)",
		       st);
	  recreated++;
	  last = 0;
	}
    }

  mmt_note ("%ld rounds in %lld ms; up to %llu committed nodes "
	    "checked in one round; list emptied %lu times", rounds,
	    conc_now_ms () - t0, most, trims);
  for (k = 0; k < NKINDS && kinds[k].count != 0; k++)
    mmt_note ("damage seen %lu times: %s", kinds[k].count,
	      kinds[k].text);
  mmt_note ("%lu of %ld rounds failed: %lu checkers hung, %lu crashed, "
	    "%lu workers ended before the kill", damaged, rounds, hangs,
	    crashed, killed_early);
  CHECK (hangs == 0, "no checker hung after a kill");
  CHECK (crashed == 0, "no checker crashed");
  CHECK (killed_early == 0, "every worker ran until killed");
  CHECK (damaged == 0, "after every kill the heap was sound and kept "
	 "every committed node");
  unlink (path);
  mmt_exit ();
}
