/* share.c -- two processes sharing one live heap file at the same time.

   This example shows several processes attached to the same heap file
   at once.  The parent creates the heap and a queue in it (rooted at
   key 0); the child attaches the same file on its own, at the address
   recorded in it.  The parent produces entries (allocated with mmalloc
   in the shared heap) and the child consumes them (and frees them with
   mfree: a block may be released by another process than the one that
   allocated it).  The two synchronise through a mutex and two
   condition variables that live in the heap itself, made
   process-shared; the mutex is also robust, so a consumer that dies
   holding it does not hang the producer.  mmalloc's own locks, also in
   the file, keep the heap sound while both allocate and free.

   Copyright (C) 2026 The mmalloc developers.  This file is part of
   mmalloc; LGPL-2.1-or-later, see COPYING.  */

/* Usage: share [HEAPFILE [COUNT]]

   Creates HEAPFILE (default share.heap; an old one is removed first),
   passes COUNT entries (default 1000) from the parent to the child
   through a queue of at most 16 entries, and checks at the end that
   every entry arrived, in order, and was freed.  Exit status 0 when
   all went well.  Build outside this tree with
     cc -pthread -o share share.c $(pkg-config --cflags --libs mmalloc)  */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mmalloc.h>

#define QUEUE_MAX 16		/* The producer waits when the queue is full.  */

/* One entry of the queue, allocated by the producer in the heap.  */
struct entry
{
  struct entry *next;
  unsigned long seq;		/* 1, 2, 3, ...  */
  char text[32];
};

/* The root (key 0): the queue and what synchronises it.  Everything is
   in the heap file, mapped MAP_SHARED by both processes, so both see
   (and lock) the very same mutex.  */
struct queue
{
  pthread_mutex_t lock;
  pthread_cond_t not_empty;	/* Signalled after a put, and at the end.  */
  pthread_cond_t not_full;	/* Signalled after a take.  */
  struct entry *head, *tail;
  size_t length;
  int done;			/* The producer has put its last entry.  */
  unsigned long produced, consumed;
  unsigned long long sum;	/* Of the consumed seq numbers.  */
};

static const char *heapfile = "share.heap";
static pid_t parent;		/* The producer, for the child to watch.  */

static void
die (const char *who, const char *what)
{
  fprintf (stderr, "share (%s): %s: %s\n", who, what, strerror (errno));
  exit (1);
}

/* Lock Q.  EOWNERDEAD means the other process died holding the lock:
   we get it anyway, and say that its state is fine to use again (our
   queue is only changed in single steps under the lock).  */
static void
lock_queue (struct queue *q)
{
  int err = pthread_mutex_lock (&q->lock);

  if (err == EOWNERDEAD)
    err = pthread_mutex_consistent (&q->lock);
  if (err != 0)
    {
      errno = err;
      die ("lock", "pthread_mutex_lock");
    }
}

/* Wait on COND for at most a second: the caller re-checks its
   condition and whether the other process is still alive.  */
static void
wait_a_while (pthread_cond_t *cond, struct queue *q)
{
  struct timespec until;
  int err;

  clock_gettime (CLOCK_REALTIME, &until);
  until.tv_sec += 1;
  err = pthread_cond_timedwait (cond, &q->lock, &until);
  if (err == EOWNERDEAD)
    pthread_mutex_consistent (&q->lock);
}

/* The parent: create the heap and the queue in it.  */
static struct queue *
create_queue (void **mdp, int *fdp)
{
  pthread_mutexattr_t ma;
  pthread_condattr_t ca;
  struct queue *q;
  void *md;
  int fd;

  if (unlink (heapfile) < 0 && errno != ENOENT)
    die ("parent", "cannot remove the old heap file");
  fd = open (heapfile, O_RDWR | O_CREAT | O_EXCL, 0600);
  if (fd < 0)
    die ("parent", "cannot create the heap file");
  md = mmalloc_attach (fd, NULL);
  if (md == NULL)
    die ("parent", "cannot attach a new heap");

  q = mcalloc (md, 1, sizeof *q);
  if (q == NULL)
    die ("parent", "out of heap");
  /* PTHREAD_PROCESS_SHARED: the mutex may be used by every process
     that maps it, which is the whole point of putting it in the heap.
     PTHREAD_MUTEX_ROBUST: the next locker learns (EOWNERDEAD) that a
     holder died, instead of waiting forever.  */
  pthread_mutexattr_init (&ma);
  pthread_mutexattr_setpshared (&ma, PTHREAD_PROCESS_SHARED);
  pthread_mutexattr_setrobust (&ma, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init (&q->lock, &ma);
  pthread_mutexattr_destroy (&ma);
  pthread_condattr_init (&ca);
  pthread_condattr_setpshared (&ca, PTHREAD_PROCESS_SHARED);
  pthread_cond_init (&q->not_empty, &ca);
  pthread_cond_init (&q->not_full, &ca);
  pthread_condattr_destroy (&ca);

  if (!mmalloc_setkey (md, 0, q))
    die ("parent", "cannot set key 0");
  *mdp = md;
  *fdp = fd;
  return q;
}

/* The child: attach the file the parent created -- its own mapping,
   at the address recorded in the file -- and consume until the
   producer is done.  Returns the exit status.  */
static int
consume (int ready_fd)
{
  unsigned long expect = 1;
  struct queue *q;
  char byte;
  void *md;
  int fd;

  /* Wait until the parent has built the queue.  */
  if (read (ready_fd, &byte, 1) != 1)
    die ("child", "the parent did not start");
  fd = open (heapfile, O_RDWR);
  if (fd < 0)
    die ("child", "cannot open the heap file");
  md = mmalloc_attach (fd, NULL);
  if (md == NULL)
    die ("child", "cannot attach the heap");
  q = mmalloc_getkey (md, 0);
  if (q == NULL)
    {
      fprintf (stderr, "share (child): key 0 is not set\n");
      return 1;
    }

  for (;;)
    {
      struct entry *e;
      char want[sizeof e->text];

      lock_queue (q);
      while (q->head == NULL && !q->done)
	{
	  if (getppid () != parent)
	    {
	      fprintf (stderr, "share (child): the producer died\n");
	      return 1;
	    }
	  wait_a_while (&q->not_empty, q);
	}
      if (q->head == NULL)	/* Empty, and the producer is done.  */
	{
	  pthread_mutex_unlock (&q->lock);
	  break;
	}
      e = q->head;
      q->head = e->next;
      if (q->head == NULL)
	q->tail = NULL;
      q->length--;
      pthread_cond_signal (&q->not_full);
      pthread_mutex_unlock (&q->lock);

      /* The entry is ours now: check it outside the lock.  */
      snprintf (want, sizeof want, "entry %lu", expect);
      if (e->seq != expect || strcmp (e->text, want) != 0)
	{
	  fprintf (stderr, "share (child): got seq %lu \"%s\", expected"
		   " %lu\n", e->seq, e->text, expect);
	  return 1;
	}
      expect++;
      lock_queue (q);
      q->consumed++;
      q->sum += e->seq;
      pthread_mutex_unlock (&q->lock);
      /* Allocated by the parent, freed by the child.  */
      mfree (md, e);
    }

  printf ("share: child %ld consumed %lu entries\n", (long) getpid (),
	  expect - 1);
  if (mmalloc_detach (md) != NULL)
    die ("child", "cannot detach");
  close (fd);
  return 0;
}

/* Whether child PID has ended (and reap it into *STATUS).  */
static int
child_ended (pid_t pid, int *status)
{
  return waitpid (pid, status, WNOHANG) == pid;
}

int
main (int argc, char **argv)
{
  unsigned long count = 1000, i;
  unsigned long long sum;
  struct queue *q;
  struct mstats st;
  int pipefd[2], fd, status = 0, ended = 0;
  void *md;
  pid_t pid;

  if (argc > 3 || (argc > 1 && argv[1][0] == '-'))
    {
      fprintf (stderr, "usage: share [HEAPFILE [COUNT]]\n");
      return 2;
    }
  if (argc > 1)
    heapfile = argv[1];
  if (argc > 2)
    count = strtoul (argv[2], NULL, 10);

  /* Fork before attaching: a child that inherited the mapping would
     share it anyway, but we want two processes that each attach the
     file on their own, as unrelated programs would.  The pipe tells
     the child when the heap is ready.  */
  parent = getpid ();
  if (pipe (pipefd) < 0)
    die ("parent", "pipe");
  fflush (stdout);
  pid = fork ();
  if (pid < 0)
    die ("parent", "fork");
  if (pid == 0)
    {
      close (pipefd[1]);
      exit (consume (pipefd[0]));
    }
  close (pipefd[0]);

  q = create_queue (&md, &fd);
  printf ("share: parent %ld created %s at %p, child %ld attaches it\n",
	  (long) getpid (), heapfile, md, (long) pid);
  fflush (stdout);
  if (write (pipefd[1], "", 1) != 1)
    die ("parent", "cannot wake the child");
  close (pipefd[1]);

  /* Produce.  */
  for (i = 1; i <= count && !ended; i++)
    {
      struct entry *e = mmalloc (md, sizeof *e);

      if (e == NULL)
	die ("parent", "out of heap");
      e->next = NULL;
      e->seq = i;
      snprintf (e->text, sizeof e->text, "entry %lu", i);

      lock_queue (q);
      while (q->length >= QUEUE_MAX
	     && !(ended = child_ended (pid, &status)))
	wait_a_while (&q->not_full, q);
      if (q->tail != NULL)
	q->tail->next = e;
      else
	q->head = e;
      q->tail = e;
      q->length++;
      q->produced++;
      pthread_cond_signal (&q->not_empty);
      pthread_mutex_unlock (&q->lock);
    }
  lock_queue (q);
  q->done = 1;
  pthread_cond_broadcast (&q->not_empty);
  pthread_mutex_unlock (&q->lock);

  if (!ended && waitpid (pid, &status, 0) != pid)
    die ("parent", "waitpid");
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      fprintf (stderr, "share: the child failed\n");
      return 1;
    }

  /* The child has detached; what it did is in the shared heap.  */
  sum = (unsigned long long) count * (count + 1) / 2;
  st = mmstats (md);
  printf ("share: produced %lu, consumed %lu, left in the queue %zu\n",
	  q->produced, q->consumed, q->length);
  printf ("share: blocks in use: %zu (the queue itself)\n", st.chunks_used);
  if (q->consumed != count || q->sum != sum || q->head != NULL
      || st.chunks_used != 1)
    {
      fprintf (stderr, "share: entries were lost\n");
      return 1;
    }
  if (mmalloc_check (md) != 0)
    {
      fprintf (stderr, "share: heap check: %s\n", mmalloc_check_message (md));
      return 1;
    }
  /* The mutex and condition variables are process state kept in the
     file: destroy them before the heap goes away.  */
  pthread_cond_destroy (&q->not_full);
  pthread_cond_destroy (&q->not_empty);
  pthread_mutex_destroy (&q->lock);
  if (mmalloc_detach (md) != NULL)
    die ("parent", "cannot detach");
  close (fd);
  unlink (heapfile);
  printf ("share: all entries consumed, heap sound\n");
  return 0;
}
