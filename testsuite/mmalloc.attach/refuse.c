/* refuse.c -- files that attach must refuse (gnu-mmalloc.md section 7,
   scenario 5) and header validation: every crafted header is refused
   with the errno of the versioning rule (doc/internals.texi: ENOTSUP for
   another version, byte order, word size or geometry, EUCLEAN for our
   heap but inconsistent, EINVAL for not a heap), in a separate process,
   and the file is left byte for byte as it was.  White-box: the crafted
   headers are written with the layout of mmprivate.h.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <stddef.h>
#include <mmalloc.h>
#include "mmprivate.h"
#include "attach-util.h"

#define PROG "refuse"

static const char *sound_name;

/* Child: a sound heap with some allocations and keys.  */
static int
make_sound (void *arg)
{
  int fd = atu_create (sound_name);
  void *md = mmalloc_attach (fd, NULL);
  void *keep[40];
  int i;

  (void) arg;
  if (md == NULL)
    return 10;
  for (i = 0; i < 40; i++)
    {
      keep[i] = mmalloc (md, (size_t) (i * 997 % 30000) + 1);
      if (keep[i] == NULL)
	return 11;
      memset (keep[i], i, (size_t) (i * 997 % 30000) + 1);
    }
  for (i = 0; i < 40; i += 3)
    mfree (md, keep[i]);
  if (!mmalloc_setkey (md, 0, keep[1]) || mmalloc_check (md) != 0)
    return 12;
  if (mmalloc_detach (md) != NULL)
    return 13;
  close (fd);
  return 0;
}

struct attempt
{
  const char *name;
  int fd;			/* >= 0: use this fd instead of opening NAME */
};

/* Child: attach, and exit with the errno of the refusal (200 when the
   attach succeeded).  */
static int
try_attach (void *arg)
{
  struct attempt *a = arg;
  int fd = a->fd >= 0 ? a->fd : open (a->name, O_RDWR);
  void *md;

  if (fd < 0)
    return 199;
  errno = 0;
  md = mmalloc_attach (fd, NULL);
  if (md != NULL)
    {
      mmalloc_detach (md);
      return 200;
    }
  return errno > 0 && errno < 128 ? errno : 198;
}

static const char *
errname (int e)
{
  switch (e)
    {
    case EINVAL: return "EINVAL";
    case ENOTSUP: return "ENOTSUP";
    case EUCLEAN: return "EUCLEAN";
    case EBADF: return "EBADF";
    case EACCES: return "EACCES";
    case 200: return "success";
    default: return atu_status (e);
    }
}

/* Write IMAGE (LEN bytes) as a file, attach it in a child, and check
   the refusal's errno and that the file is unchanged.  */
static void
expect_refused (const char *what, const unsigned char *image, size_t len,
		int want)
{
  const char *name = atu_name (PROG, "case");
  struct attempt a = { name, -1 };
  int st;

  atu_spit (name, image, len);
  st = atu_in_child (try_attach, &a);
  CHECK (st == want, "%s: refused with %s (got %s)", what, errname (want),
	 errname (st));
  CHECK (atu_same (name, image, len), "%s: file unchanged", what);
  unlink (name);
}

/* The sound image with the field at OFF (WIDTH bytes) set to V.  */
static void
expect_field (const char *what, const unsigned char *sound, size_t len,
	      size_t off, int width, uint64_t v, int want)
{
  unsigned char *img = malloc (len);

  memcpy (img, sound, len);
  if (width == 8)
    atu_put64 (img, off, v);
  else if (width == 4)
    atu_put32 (img, off, (uint32_t) v);
  else
    img[off] = (unsigned char) v;
  expect_refused (what, img, len, want);
  free (img);
}

#define HOFF(f) offsetof (struct mm_header, f)

static void
scenario_5 (const unsigned char *sound, size_t len)
{
  unsigned char *img;
  int fd, st;
  struct attempt a;

  /* A closed fd.  */
  fd = dup (1);
  close (fd);
  a.name = NULL;
  a.fd = fd;
  st = atu_in_child (try_attach, &a);
  CHECK (st == EBADF, "s5: closed fd refused with EBADF (got %s)", errname (st));
  errno = 0;
  CHECK (mmalloc_attach (fd, NULL) == NULL && errno == EBADF,
	 "s5: closed fd refused with EBADF in this process too");

  /* A non-empty file that is no heap.  */
  img = calloc (1, 8192);
  for (size_t i = 0; i < 8192; i++)
    img[i] = (unsigned char) "The quick brown fox jumps over the lazy dog.\n"[i % 45];
  expect_refused ("s5: text file", img, 8192, EINVAL);
  expect_refused ("s5: one-byte file", img, 1, EINVAL);
  memset (img, 0, 8192);
  expect_refused ("s5: file of zeros", img, 8192, EINVAL);

  /* GNU mmalloc's version-1 header (LP64): magic, headersize 504 at 8,
     version 1 at 12, the rest zero.  */
  memset (img, 0, 8192);
  memcpy (img, "mmalloc", 8);
  atu_put32 (img, 8, 504);
  img[12] = 1;
  expect_refused ("s5: GNU mmalloc version-1 file", img, 4096, ENOTSUP);
  img[12] = 0;
  expect_refused ("s5: GNU mmalloc version-0 file", img, 4096, ENOTSUP);
  free (img);

  /* Short files with our magic.  */
  expect_refused ("s5: 8-byte file with our magic", sound, 8, EUCLEAN);
  expect_refused ("s5: 20-byte start of a heap", sound, 20, EUCLEAN);
  expect_refused ("s5: 100-byte start of a heap", sound, 100, EUCLEAN);
  expect_refused ("s5: header page only", sound, 4096, EUCLEAN);

  /* Bad magic, newer and older versions.  */
  expect_field ("s5: bad magic (first byte)", sound, len, 0, 1, 'M', EINVAL);
  expect_field ("s5: bad magic (NUL missing)", sound, len, 7, 1, '!', EINVAL);
  expect_field ("s5: newer version", sound, len, HOFF (version), 4,
		MM_VERSION + 1, ENOTSUP);
  expect_field ("s5: older version 3", sound, len, HOFF (version), 4, 3,
		ENOTSUP);
  expect_field ("s5: older version 2", sound, len, HOFF (version), 4, 2, ENOTSUP);
  expect_field ("s5: version 0xffffffff", sound, len, HOFF (version), 4,
		0xffffffffu, ENOTSUP);
  expect_field ("s5: version 1", sound, len, HOFF (version), 4, 1, ENOTSUP);
}

static void
validation (const unsigned char *sound, size_t len)
{
  uint64_t base = atu_get64 (sound, HOFF (base));
  uint64_t mapped = atu_get64 (sound, HOFF (mapped));
  uint64_t top = atu_get64 (sound, HOFF (top));
  unsigned char *img;

  CHECK (mapped <= len && top <= mapped && base != 0,
	 "the sound heap's header is consistent (base %#llx, mapped %llu, "
	 "top %llu, file %zu)", (unsigned long long) base,
	 (unsigned long long) mapped, (unsigned long long) top, len);

  /* Another format: ENOTSUP.  The other common word size is 4 on a
     64-bit host and 8 on a 32-bit one, where 4 is the right one.  */
  if (sizeof (void *) == 8)
    expect_field ("wrong word size 4", sound, len, HOFF (word_size), 1, 4,
		  ENOTSUP);
  else
    expect_field ("wrong word size 8", sound, len, HOFF (word_size), 1, 8,
		  ENOTSUP);
  expect_field ("wrong word size 16", sound, len, HOFF (word_size), 1, 16, ENOTSUP);
  expect_field ("byte-swapped endian tag", sound, len, HOFF (endian), 4,
		__builtin_bswap32 (MM_ENDIAN_TAG), ENOTSUP);
  expect_field ("header_size + 8", sound, len, HOFF (header_size), 4,
		sizeof (struct mm_header) + 8, ENOTSUP);
  expect_field ("header_size - 8", sound, len, HOFF (header_size), 4,
		sizeof (struct mm_header) - 8, ENOTSUP);
  expect_field ("page_shift 13", sound, len, HOFF (page_shift), 1, 13, ENOTSUP);
  expect_field ("seg_shift 20", sound, len, HOFF (seg_shift), 1, 20, ENOTSUP);
  expect_field ("nclasses 35", sound, len, HOFF (nclasses), 1, 35, ENOTSUP);

  /* Ours, but inconsistent: EUCLEAN.  */
  expect_field ("base not page-aligned", sound, len, HOFF (base), 8,
		base + 16, EUCLEAN);
  expect_field ("base 0", sound, len, HOFF (base), 8, 0, EUCLEAN);
  expect_field ("base at the end of the address space", sound, len,
		HOFF (base), 8, (uint64_t) UINTPTR_MAX - 0xfff, EUCLEAN);
  expect_field ("mapped beyond the file", sound, len, HOFF (mapped), 8,
		(uint64_t) len + 4096 * 16, EUCLEAN);
  expect_field ("mapped not a page multiple", sound, len, HOFF (mapped), 8,
		mapped - 100, EUCLEAN);
  expect_field ("mapped below the metadata", sound, len, HOFF (mapped), 8,
		4096, EUCLEAN);
  expect_field ("top > mapped", sound, len, HOFF (top), 8, mapped + 4096, EUCLEAN);
  expect_field ("top not page-aligned", sound, len, HOFF (top), 8, top + 8, EUCLEAN);
  expect_field ("top 0", sound, len, HOFF (top), 8, 0, EUCLEAN);
  expect_field ("hwm < top", sound, len, HOFF (hwm), 8, top - 4096, EUCLEAN);
  expect_field ("hwm > mapped", sound, len, HOFF (hwm), 8, mapped + 4096, EUCLEAN);
  expect_field ("capacity 2^63", sound, len, HOFF (capacity), 8,
		(uint64_t) 1 << 63, EUCLEAN);
  expect_field ("capacity 2^64-1", sound, len, HOFF (capacity), 8,
		UINT64_MAX, EUCLEAN);
  expect_field ("capacity < mapped", sound, len, HOFF (capacity), 8,
		mapped - 4096, EUCLEAN);
  expect_field ("capacity 0", sound, len, HOFF (capacity), 8, 0, EUCLEAN);
  expect_field ("streams 0", sound, len, HOFF (streams), 4, 0, EUCLEAN);
  expect_field ("streams 65", sound, len, HOFF (streams), 4, 65, EUCLEAN);
  expect_field ("streams 0xffffffff", sound, len, HOFF (streams), 4,
		0xffffffffu, EUCLEAN);
  expect_field ("state 7", sound, len, HOFF (state), 4, 7, EUCLEAN);
  expect_field ("segment 0 missing from the segment map", sound, len,
		MM_BITMAP_PAGE * MM_PAGE, 1, 0, EUCLEAN);

  /* A truncated file: the header says more than the file holds.  */
  if (mapped >= 2 * 4096)
    expect_refused ("file truncated one page short of mapped", sound,
		    (size_t) mapped - 4096, EUCLEAN);
  expect_refused ("file truncated to the metadata", sound,
		  (size_t) MM_META_PAGES * MM_PAGE, EUCLEAN);

  /* And the sound image itself still attaches (the harness works).  */
  img = malloc (len);
  memcpy (img, sound, len);
  {
    const char *name = atu_name (PROG, "ok");
    struct attempt a = { name, -1 };
    int st;
    atu_spit (name, img, len);
    st = atu_in_child (try_attach, &a);
    CHECK (st == 200, "an unmodified copy of the sound heap attaches (got %s)",
	   errname (st));
    unlink (name);
  }
  free (img);
}

int
main (void)
{
  size_t len;
  unsigned char *sound;
  int st;

  sound_name = atu_name (PROG, "sound");
  st = atu_in_child (make_sound, NULL);
  if (st != 0)
    mmt_fatal ("building the sound heap failed: %s", atu_status (st));
  sound = atu_slurp (sound_name, &len);
  unlink (sound_name);
  if (len <= (size_t) MM_META_PAGES * MM_PAGE || memcmp (sound, MM_MAGIC, 8) != 0)
    mmt_fatal ("the sound heap file is too short (%zu bytes)", len);

  scenario_5 (sound, len);
  validation (sound, len);
  free (sound);
  mmt_exit ();
}
