/* fuzz.h -- what the fuzz targets share: the libFuzzer entry point, a
   memfd that plays the heap file, and the guarded window the heaps are
   attached in.  A heap file records its base address, so the targets
   rewrite the base of every input to FZ_BASE, the start of a window
   that this header keeps surrounded by inaccessible (PROT_NONE)
   address space.  The engine promises that a hostile file can corrupt
   only its own region; any read or write that escapes the region then
   lands in the guards (or in unmapped space) and crashes, which the
   fuzzer reports, instead of silently touching another mapping.  After
   every input the window is closed again with MAP_FIXED_NOREPLACE, so
   a mapping the engine forgot to remove is caught too.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#ifndef MM_FUZZ_H
#define MM_FUZZ_H 1

#ifndef _GNU_SOURCE
# define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#ifndef MAP_FIXED_NOREPLACE
# define MAP_FIXED_NOREPLACE 0x100000
#endif

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* A harness's own verdict: something the engine must never do.  Print
   why, then crash so that every fuzzer (and the reproducer) sees it.  */
#define FZ_FAIL(...)							\
  do {									\
    fprintf (stderr, "fuzz: %s:%d: ", __FILE__, __LINE__);		\
    fprintf (stderr, __VA_ARGS__);					\
    fputc ('\n', stderr);						\
    abort ();								\
  } while (0)

#if UINTPTR_MAX > 0xffffffffu
/* Where heaps under test live.  Far below where the kernel places
   mappings (top-down from 0x7fff...) and outside the address ranges
   ASan reserves for its shadow (below 0x10007fff8000) and its
   allocator (0x600000000000 and up).  The window spans the largest
   region the engine accepts (MM_MAX_REGION, 512 GiB) with room to
   spare; the guards on either side are 64 GiB.  */
# define FZ_WINDOW_BITS	1
# define FZ_BASE	((uintptr_t) 0x3e0000000000)
# define FZ_WINDOW	((size_t) 1 << 40)
# define FZ_GUARD	((size_t) 64 << 30)
#else
/* 32-bit hosts: no fixed window fits reliably; inputs keep their
   recorded base and only the engine's own checks apply.  */
# define FZ_WINDOW_BITS	0
# define FZ_BASE	((uintptr_t) 0)
# define FZ_WINDOW	((size_t) 0)
# define FZ_GUARD	((size_t) 0)
#endif

static inline void *
fz_reserve (uintptr_t at, size_t len, int flags)
{
  return mmap ((void *) at, len, PROT_NONE,
	       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | flags, -1, 0);
}

/* Reserve guard + window + guard once.  */
static inline void
fz_guard_init (void)
{
  static int done;
  void *p;

  if (done || FZ_WINDOW == 0)
    return;
  p = fz_reserve (FZ_BASE - FZ_GUARD, FZ_WINDOW + 2 * FZ_GUARD,
		  MAP_FIXED_NOREPLACE);
  if (p != (void *) (FZ_BASE - FZ_GUARD))
    FZ_FAIL ("cannot reserve the guarded window at %#lx: %s",
	     (unsigned long) FZ_BASE, strerror (errno));
  done = 1;
}

/* Make the window free for the engine to reserve (it never maps over
   an existing mapping).  */
static inline void
fz_window_open (void)
{
  fz_guard_init ();
  if (FZ_WINDOW != 0 && munmap ((void *) FZ_BASE, FZ_WINDOW) != 0)
    FZ_FAIL ("munmap window: %s", strerror (errno));
}

/* Fill the window with PROT_NONE again.  This fails (EEXIST) when the
   engine left any mapping behind after a detach or a failed attach.  */
static inline void
fz_window_close (void)
{
  void *p;

  if (FZ_WINDOW == 0)
    return;
  p = fz_reserve (FZ_BASE, FZ_WINDOW, MAP_FIXED_NOREPLACE);
  if (p != (void *) FZ_BASE)
    FZ_FAIL ("a mapping was left in the heap window after detach (%s)",
	     p == MAP_FAILED ? strerror (errno) : "moved");
}

/* Whether [P, P + N) lies in the window.  */
static inline int
fz_in_window (const void *p, size_t n)
{
#if FZ_WINDOW_BITS
  uintptr_t a = (uintptr_t) p;

  return a >= FZ_BASE && a - FZ_BASE <= FZ_WINDOW
    && n <= FZ_WINDOW - (a - FZ_BASE);
#else
  (void) p;
  (void) n;
  return 1;
#endif
}

/* One anonymous in-memory file for the whole run (a temporary file
   when memfd_create is missing), rewritten for every input.  */
static inline int
fz_file (void)
{
  static int fd = -1;

  if (fd >= 0)
    return fd;
#ifdef MFD_CLOEXEC
  fd = memfd_create ("mmalloc-fuzz", MFD_CLOEXEC);
#endif
  if (fd < 0)
    {
      char name[] = "/tmp/mmalloc-fuzz-XXXXXX";
      fd = mkstemp (name);
      if (fd >= 0)
	unlink (name);
    }
  if (fd < 0)
    FZ_FAIL ("no temporary file: %s", strerror (errno));
  return fd;
}

/* The file's path (to open it again read-only, or to name it).  */
static inline const char *
fz_file_path (void)
{
  static char path[64];

  snprintf (path, sizeof path, "/proc/self/fd/%d", fz_file ());
  return path;
}

/* Replace the file's contents with DATA, extended with zeros (a hole)
   to PAD bytes when longer.  */
static inline void
fz_file_set (const void *data, size_t size, size_t pad)
{
  int fd = fz_file ();
  const char *p = data;
  size_t done = 0;

  if (ftruncate (fd, 0) != 0)
    FZ_FAIL ("ftruncate: %s", strerror (errno));
  while (done < size)
    {
      ssize_t n = pwrite (fd, p + done, size - done, (off_t) done);
      if (n <= 0)
	FZ_FAIL ("pwrite: %s", strerror (errno));
      done += (size_t) n;
    }
  if (pad > size && ftruncate (fd, (off_t) pad) != 0)
    FZ_FAIL ("ftruncate: %s", strerror (errno));
}

/* Little-endian-agnostic access to fields of a header in a byte
   buffer (the host's own order, as the engine writes it).  */
static inline uint64_t
fz_get64 (const uint8_t *buf, size_t off)
{
  uint64_t v;
  memcpy (&v, buf + off, sizeof v);
  return v;
}

static inline void
fz_put64 (uint8_t *buf, size_t off, uint64_t v)
{
  memcpy (buf + off, &v, sizeof v);
}

/* Inputs at most this long are padded to the `mapped' size their
   header records, so that a seed of a few KiB (header, bitmap and
   descriptors) stands for a whole sparse heap file.  */
#define FZ_PAD_MAX	((size_t) 64 << 20)

#endif /* MM_FUZZ_H */
