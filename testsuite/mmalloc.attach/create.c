/* create.c -- a new heap file and detaching it (gnu-mmalloc.md section 7,
   scenarios 1, 3 and 6).  White-box: compares the header size with
   sizeof (struct mm_header) of mmprivate.h.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <mmalloc.h>
#include "mmprivate.h"
#include "attach-util.h"

#define PROG "create"

static void
scenario_1_and_3 (void)
{
  const char *name = atu_name (PROG, "new");
  int fd = atu_create (name);
  size_t ps = atu_pagesize ();
  void *B = mmalloc_findbase (20 * 1024 * 1024);
  unsigned char hdr[4096];
  void *md;
  char *p;
  off_t size, size2;
  int fdflags;

  if (B == NULL)
    mmt_fatal ("mmalloc_findbase (20 MiB) failed: %s", strerror (errno));
  md = mmalloc_attach (fd, B);
  if (!CHECK (md == B, "s1: attach of an empty file at B returns md == B"))
    mmt_fatal ("s1: cannot go on (md %p, B %p, errno %s)", md, B,
	       strerror (errno));

  memset (hdr, 0, sizeof hdr);
  CHECK (pread (fd, hdr, sizeof hdr, 0) == (ssize_t) sizeof hdr,
	 "s1: the file holds at least one page");
  CHECK (memcmp (hdr, "mmalloc", 8) == 0, "s1: the file starts with \"mmalloc\\0\"");
  CHECK (ATU_VERSION == MM_VERSION, "s1: attach-util.h knows the version");
  CHECK (atu_get32 (hdr, ATU_OFF_VERSION) == MM_VERSION,
	 "s1: format version field is %d (got %u)", MM_VERSION,
	 atu_get32 (hdr, ATU_OFF_VERSION));
  CHECK (atu_get32 (hdr, ATU_OFF_HEADER_SIZE) == sizeof (struct mm_header),
	 "s1: header_size field %u equals sizeof (struct mm_header) %zu",
	 atu_get32 (hdr, ATU_OFF_HEADER_SIZE), sizeof (struct mm_header));
  CHECK (atu_get32 (hdr, ATU_OFF_HEADER_SIZE) <= 4096,
	 "s1: the header fits in the first page");
  CHECK (atu_get32 (hdr, ATU_OFF_ENDIAN) == 0x01020304u,
	 "s1: endian tag is 0x01020304 in host order");
  CHECK (hdr[ATU_OFF_WORD_SIZE] == sizeof (void *), "s1: word size recorded");
  CHECK (atu_get64 (hdr, ATU_OFF_BASE) == (uint64_t) (uintptr_t) B,
	 "s1: recorded base is B");
  CHECK ((atu_get32 (hdr, ATU_OFF_FLAGS) & MM_H_ANON) == 0,
	 "s1: the anonymous-heap flag is not set in a file heap");
  CHECK (memcmp (md, hdr, 24) == 0,
	 "s1: the header at md is the file's header (md == base)");
  size = atu_fsize (fd);
  CHECK (size > 0 && (size_t) size % ps == 0,
	 "s1: file length %lld is a multiple of the page size",
	 (long long) size);
  CHECK ((size_t) size >= sizeof (struct mm_header),
	 "s1: file length is at least the header size");
  CHECK (atu_get64 (hdr, ATU_OFF_MAPPED) <= (uint64_t) size,
	 "s1: recorded mapped size is within the file");

  /* Data, so that detach has something to leave in the file.  */
  p = mmalloc (md, 100000);
  CHECK (p != NULL && (char *) p > (char *) md, "s1: mmalloc in the new heap");
  if (p != NULL)
    memset (p, 0x5a, 100000);
  size = atu_fsize (fd);

  /* Scenario 3: detach.  */
  CHECK (mmalloc_detach (md) == NULL, "s3: detach returns NULL");
  fdflags = fcntl (fd, F_GETFD);
  CHECK (fdflags != -1, "s3: the caller's fd is still open after detach");
  size2 = atu_fsize (fd);
  CHECK (size2 == size, "s3: file size unchanged by detach (%lld -> %lld)",
	 (long long) size, (long long) size2);
  errno = 0;
  {
    unsigned char vec[1];
    int rc = mincore (B, ps, vec);
    CHECK (rc == -1 && errno == ENOMEM,
	   "s3: mincore on the old base fails with ENOMEM after detach");
  }
  CHECK (atu_maps_overlap (B, (size_t) size) == 0,
	 "s3: /proc/self/maps lists nothing at the old region");
  CHECK (mmalloc (md, 10) == NULL && errno == EINVAL,
	 "s3: the old descriptor no longer names a heap (mmalloc EINVAL)");
  memset (hdr, 0xff, sizeof hdr);
  CHECK (pread (fd, hdr, sizeof hdr, 0) == (ssize_t) sizeof hdr
	 && memcmp (hdr, "mmalloc", 8) == 0
	 && atu_get32 (hdr, ATU_OFF_STATE) == MM_STATE_CLEAN,
	 "s3: the file keeps its header, marked clean, after detach");
  {
    unsigned char blk[64];
    off_t off = (off_t) ((char *) p - (char *) md);
    CHECK (p != NULL && pread (fd, blk, sizeof blk, off) == (ssize_t) sizeof blk
	   && blk[0] == 0x5a && blk[63] == 0x5a,
	   "s3: the data written is in the file after detach");
  }
  close (fd);
  unlink (name);
}

static void
detach_errors (void)
{
  int local = 0;
  void *md, *r;

  errno = 0;
  CHECK (mmalloc_detach (NULL) == NULL, "s6: detach (NULL) returns NULL");
  errno = 0;
  r = mmalloc_detach (&local);
  CHECK (r == &local && errno == EINVAL,
	 "detach of a non-heap pointer returns it with EINVAL");

  md = mmalloc_attach (-1, NULL);
  if (md == NULL)
    {
      mmt_fail ("anonymous attach: %s", strerror (errno));
      return;
    }
  errno = 0;
  r = mmalloc_detach ((char *) md + 4096);
  CHECK (r == (char *) md + 4096 && errno == EINVAL,
	 "detach of a pointer inside a heap (not its md) returns it with EINVAL");
  {
    char *q = mmalloc (md, 64);
    CHECK (q != NULL, "the heap is still usable after a refused detach");
  }
  CHECK (mmalloc_detach (md) == NULL, "the anonymous heap detaches");
}

static void
scenario_6 (void)
{
  const char *name = atu_name (PROG, "s6");
  size_t ps = atu_pagesize ();
  int fd, rfd, wfd;
  void *md, *B;
  size_t len;
  unsigned char *before;

  /* An empty file, O_RDONLY.  */
  fd = atu_create (name);
  close (fd);
  rfd = atu_open (name, O_RDONLY);
  errno = 0;
  md = mmalloc_attach (rfd, NULL);
  CHECK (md == NULL && errno == EACCES,
	 "s6: O_RDONLY fd on an empty file -> NULL, EACCES (errno %d)", errno);
  CHECK (atu_fsize (rfd) == 0, "s6: the empty file stays empty");
  close (rfd);

  wfd = atu_open (name, O_WRONLY);
  errno = 0;
  md = mmalloc_attach (wfd, NULL);
  CHECK (md == NULL && errno == EACCES,
	 "s6: O_WRONLY fd -> NULL, EACCES (errno %d)", errno);
  close (wfd);

  /* Unaligned bases.  */
  B = mmalloc_findbase (20 * 1024 * 1024);
  fd = atu_open (name, O_RDWR);
  errno = 0;
  md = mmalloc_attach (fd, (char *) B + 1);
  CHECK (md == NULL && errno == EINVAL,
	 "s6: base B+1 -> NULL, EINVAL (errno %d)", errno);
  errno = 0;
  md = mmalloc_attach (fd, (char *) B + ps / 2);
  CHECK (md == NULL && errno == EINVAL,
	 "s6: base B+pagesize/2 -> NULL, EINVAL (errno %d)", errno);
  CHECK (atu_fsize (fd) == 0, "s6: nothing written to the file by a refused attach");
  errno = 0;
  md = mmalloc_attach (-1, (char *) B + 16);
  CHECK (md == NULL && errno == EINVAL,
	 "s6: anonymous heap at an unaligned base -> NULL, EINVAL");
  CHECK (atu_maps_overlap (B, 2 * ps) == 0,
	 "s6: nothing was mapped at the refused base");

  /* An existing heap, O_RDONLY.  */
  md = mmalloc_attach (fd, B);
  if (md == NULL)
    mmt_fatal ("s6: attach at B: %s", strerror (errno));
  CHECK (mmalloc (md, 1000) != NULL, "s6: allocation in the heap");
  CHECK (mmalloc_detach (md) == NULL, "s6: detach");
  close (fd);
  before = atu_slurp (name, &len);
  rfd = atu_open (name, O_RDONLY);
  errno = 0;
  md = mmalloc_attach (rfd, NULL);
  CHECK (md == NULL && errno == EACCES,
	 "s6: O_RDONLY fd on an existing heap -> NULL, EACCES (errno %d)", errno);
  CHECK (atu_page_mapped (B) == 0, "s6: the refused heap is not mapped");
  close (rfd);
  CHECK (atu_same (name, before, len), "s6: the heap file is unchanged");
  free (before);
  unlink (name);
}

int
main (void)
{
  scenario_1_and_3 ();
  detach_errors ();
  scenario_6 ();
  mmt_exit ();
}
