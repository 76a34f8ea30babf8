/* attach-util.h -- helpers shared by the programs of mmalloc.attach.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.

   Heap files are created in the current directory (the build tree's
   testsuite/) as attach-PROG-PID-TAG.heap, which `make clean' removes.
   The offsets below are those of the documented file format (the "File
   format" chapter of doc/internals.texi), for black-box programs that
   read a heap file's header without mmprivate.h.  */

#ifndef ATTACH_UTIL_H
#define ATTACH_UTIL_H 1

#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "mmtest.h"

/* The format version this library writes (doc/internals.texi).  */
#define ATU_VERSION 4

#define ATU_OFF_VERSION 8
#define ATU_OFF_HEADER_SIZE 12
#define ATU_OFF_ENDIAN 16
#define ATU_OFF_WORD_SIZE 20
#define ATU_OFF_BASE 24
#define ATU_OFF_MAPPED 32
#define ATU_OFF_CAPACITY 40
#define ATU_OFF_TOP 48
#define ATU_OFF_FLAGS 64
#define ATU_OFF_STATE 68
#define ATU_OFF_STREAMS 72
#define ATU_OFF_KEYS 80

#ifndef MAP_FIXED_NOREPLACE
# define MAP_FIXED_NOREPLACE 0x100000
#endif

#define ATU_MIB ((size_t) 1 << 20)

static inline size_t
atu_pagesize (void)
{
  return (size_t) sysconf (_SC_PAGESIZE);
}

/* A file name for TAG of program PROG, unique to this process.  */
static inline const char *
atu_name (const char *prog, const char *tag)
{
  static char buf[8][256];
  static int next;
  char *b = buf[next++ % 8];

  snprintf (b, sizeof buf[0], "attach-%s-%ld-%s.heap", prog,
	    (long) getpid (), tag);
  return b;
}

/* Open NAME read-write, created empty.  Fatal on failure.  */
static inline int
atu_create (const char *name)
{
  int fd = open (name, O_RDWR | O_CREAT | O_TRUNC, 0600);

  if (fd < 0)
    mmt_fatal ("cannot create %s: %s", name, strerror (errno));
  return fd;
}

static inline int
atu_open (const char *name, int flags)
{
  int fd = open (name, flags);

  if (fd < 0)
    mmt_fatal ("cannot open %s: %s", name, strerror (errno));
  return fd;
}

/* The whole of file NAME, in memory from malloc; its length in *LEN.
   Fatal on failure.  */
static inline unsigned char *
atu_slurp (const char *name, size_t *len)
{
  int fd = atu_open (name, O_RDONLY);
  struct stat st;
  unsigned char *b;
  size_t got = 0;

  if (fstat (fd, &st) != 0)
    mmt_fatal ("fstat %s: %s", name, strerror (errno));
  b = malloc ((size_t) st.st_size + 1);
  if (b == NULL)
    mmt_fatal ("out of memory reading %s", name);
  while (got < (size_t) st.st_size)
    {
      ssize_t n = pread (fd, b + got, (size_t) st.st_size - got, (off_t) got);
      if (n <= 0)
	mmt_fatal ("read %s: %s", name, n < 0 ? strerror (errno) : "EOF");
      got += (size_t) n;
    }
  close (fd);
  *len = got;
  return b;
}

/* Write LEN bytes of B as file NAME (created or truncated).  */
static inline void
atu_spit (const char *name, const void *b, size_t len)
{
  int fd = atu_create (name);
  size_t done = 0;

  while (done < len)
    {
      ssize_t n = write (fd, (const char *) b + done, len - done);
      if (n <= 0)
	mmt_fatal ("write %s: %s", name, strerror (errno));
      done += (size_t) n;
    }
  close (fd);
}

/* Whether file NAME holds exactly LEN bytes equal to B.  */
static inline int
atu_same (const char *name, const void *b, size_t len)
{
  size_t n;
  unsigned char *now = atu_slurp (name, &n);
  int same = n == len && memcmp (now, b, len) == 0;

  free (now);
  return same;
}

static inline off_t
atu_fsize (int fd)
{
  struct stat st;

  if (fstat (fd, &st) != 0)
    return -1;
  return st.st_size;
}

static inline uint64_t
atu_get64 (const unsigned char *b, size_t off)
{
  uint64_t v;
  memcpy (&v, b + off, sizeof v);
  return v;
}

static inline uint32_t
atu_get32 (const unsigned char *b, size_t off)
{
  uint32_t v;
  memcpy (&v, b + off, sizeof v);
  return v;
}

static inline void
atu_put64 (unsigned char *b, size_t off, uint64_t v)
{
  memcpy (b + off, &v, sizeof v);
}

static inline void
atu_put32 (unsigned char *b, size_t off, uint32_t v)
{
  memcpy (b + off, &v, sizeof v);
}

/* Whether any mapping of /proc/self/maps overlaps [LO, LO + LEN).
   -1 when the file cannot be read.  */
static inline int
atu_maps_overlap (const void *lo, size_t len)
{
  FILE *f = fopen ("/proc/self/maps", "r");
  uintptr_t a = (uintptr_t) lo, b = a + len;
  char line[512];
  int found = 0;

  if (f == NULL)
    return -1;
  while (fgets (line, sizeof line, f) != NULL)
    {
      unsigned long s, e;
      if (sscanf (line, "%lx-%lx", &s, &e) == 2 && s < b && a < e)
	found = 1;
    }
  fclose (f);
  return found;
}

/* Whether page ADDR is mapped (mincore succeeds).  */
static inline int
atu_page_mapped (const void *addr)
{
  unsigned char vec[1];
  uintptr_t page = (uintptr_t) addr & ~(uintptr_t) (atu_pagesize () - 1);

  return mincore ((void *) page, atu_pagesize (), vec) == 0;
}

/* Fork a child that runs FN (ARG) and exits with its return value.  */
static inline pid_t
atu_spawn (int (*fn) (void *), void *arg)
{
  pid_t pid = mmt_fork ();

  if (pid < 0)
    mmt_fatal ("fork: %s", strerror (errno));
  if (pid == 0)
    mmt_child_exit (fn (arg));
  return pid;
}

/* Run FN (ARG) in a child process and wait for it.  Returns what
   mmt_wait returns.  */
static inline int
atu_in_child (int (*fn) (void *), void *arg)
{
  return mmt_wait (atu_spawn (fn, arg));
}

/* A description of a child's status for result texts.  */
static inline const char *
atu_status (int st)
{
  static char buf[64];

  if (st >= 128)
    snprintf (buf, sizeof buf, "killed by signal %d", st - 128);
  else
    snprintf (buf, sizeof buf, "exit status %d", st);
  return buf;
}

#endif /* ATTACH_UTIL_H */
