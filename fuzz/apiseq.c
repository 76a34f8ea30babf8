/* apiseq.c -- fuzz target: sequences of API calls, good and bad, on a
   heap under mmcheckf.  Each input is decoded into operations on an
   anonymous heap with checking forced on and a counting abort
   function: allocations of every kind (mmalloc, mcalloc, mrealloc,
   mmemalign, mvalloc), frees, keys, mmprobe and mmalloc_check, mixed
   with bad pointers -- freed (double free, realloc after free),
   interior, foreign (another heap's block, a static object, the C
   library's malloc) -- and deliberate one-byte overruns and underruns.
   Every bad pointer and every smashed block must be reported through
   the abort function; no operation may corrupt the heap: live blocks
   keep their contents, mmprobe says MMPROBE_OK for them, and
   mmalloc_check stays 0 until the sequence itself wrote out of bounds.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include "fuzz.h"
#include <mmalloc.h>

#define NSLOTS 32

enum slot_state { S_EMPTY, S_LIVE, S_FREED, S_SMASHED };

struct slot
{
  enum slot_state state;
  unsigned char *p;		/* block (or the address it had) */
  size_t size;
  unsigned char fill;		/* every byte of a live block */
  int checked;			/* has mmcheck's head and guard */
};

static unsigned long aborts;
static struct slot slots[NSLOTS];
static void *md, *other;	/* the heap under test, a second heap */
static int dirty;		/* the sequence wrote out of bounds */
static unsigned char foreign_static[64];
static int trace;		/* $APISEQ_TRACE: print every operation */

#define TRACE(...) \
  do { if (trace) fprintf (stderr, __VA_ARGS__); } while (0)

static void
count_abort (void)
{
  aborts++;
}

/* The input, read as a stream of bytes (zeros once it runs out).  */
struct in
{
  const uint8_t *p;
  size_t n;
};

static unsigned int
get8 (struct in *in)
{
  if (in->n == 0)
    return 0;
  in->n--;
  return *in->p++;
}

static size_t
get_size (struct in *in)
{
  unsigned int b = get8 (in);

  /* Mostly small, sometimes a page run, rarely huge or absurd.  */
  switch (b >> 6)
    {
    case 0:
    case 1:
      return b & 0x7f;
    case 2:
      return (size_t) ((b & 0x3f) + 1) * (get8 (in) + 1) * 4;
    default:
      switch (b & 7)
	{
	case 0:
	  return SIZE_MAX - (b >> 3 & 7);
	case 1:
	  return (size_t) 17 << 20;	/* huge: more than a segment */
	case 2:
	  return SIZE_MAX / 2;
	default:
	  return (size_t) (b & 0x3f) << 12;
	}
    }
}

static int
address_live (const void *p)
{
  int i;

  for (i = 0; i < NSLOTS; i++)
    if (slots[i].state == S_LIVE && slots[i].p == p)
      return 1;
  return 0;
}

/* The byte after I to look at in a block of N bytes: all of small
   blocks, the ends and every 509th byte of big ones (an overlap still
   shows), so that megabyte blocks cost little.  */
static size_t
next_index (size_t i, size_t n)
{
  size_t j;

  i++;
  if (n <= 1024 || i < 256 || i >= n - 256)
    return i;
  j = i + (509 - i % 509) % 509;
  return j < n - 256 ? j : n - 256;
}

/* Smashed blocks whose slots were given to new blocks: the engine may
   still hold them (a free refused for a wrecked head), so their
   addresses stay busy for the rest of the sequence.  */
#define NABANDONED 256
static const void *abandoned[NABANDONED];
static unsigned int nabandoned;

/* Whether a block at P may be live as far as the engine knows: a live
   slot, or a smashed one (whose free may have been refused), or one
   abandoned so.  Freed pointers are only replayed when no such block
   shares their address.  */
static int
address_busy (const void *p)
{
  unsigned int i;

  for (i = 0; i < NSLOTS; i++)
    if ((slots[i].state == S_LIVE || slots[i].state == S_SMASHED)
	&& slots[i].p == p)
      return 1;
  if (nabandoned > NABANDONED)
    return 1;
  for (i = 0; i < nabandoned; i++)
    if (abandoned[i] == p)
      return 1;
  return 0;
}

static void
verify (struct slot *s, const char *when)
{
  size_t i;

  for (i = 0; i < s->size; i = next_index (i, s->size))
    if (s->p[i] != s->fill)
      FZ_FAIL ("%s: block %p (%zu bytes) changed at byte %zu: %#x, "
	       "expected %#x", when, (void *) s->p, s->size, i, s->p[i],
	       s->fill);
}

static void
fill (struct slot *s, unsigned char c)
{
  if (c == 0xd7)		/* mmcheck's guard byte */
    c = 0xd9;
  s->fill = c;
  memset (s->p, c, s->size);
}

static void
take (struct slot *s, void *p, size_t size, unsigned char c)
{
  if (p == NULL)
    return;
  if (s->state == S_SMASHED)
    {
      /* Past NABANDONED, address_busy says every address is busy.  */
      if (nabandoned < NABANDONED)
	abandoned[nabandoned] = s->p;
      nabandoned++;
    }
  if (address_live (p))
    FZ_FAIL ("block %p handed out twice", p);
  s->state = S_LIVE;
  s->p = p;
  s->size = size;
  s->checked = 1;
  fill (s, c);
}

/* Expect one more report than BEFORE.  */
static void
expect_report (unsigned long before, const char *what, const void *p)
{
  if (aborts == before)
    FZ_FAIL ("%s %p was not reported", what, p);
}

static void
expect_quiet (unsigned long before, const char *what, const void *p)
{
  if (aborts != before)
    FZ_FAIL ("%s %p reported although the heap is sound", what, p);
}

static void
step (struct in *in)
{
  unsigned int op = get8 (in) % 20;
  struct slot *s = &slots[get8 (in) % NSLOTS];
  unsigned long before = aborts;
  unsigned char c = (unsigned char) (get8 (in) | 1);
  size_t n;
  void *p;

  TRACE ("op %u slot %d (%s %p, %zu bytes)\n", op, (int) (s - slots),
	 s->state == S_LIVE ? "live" : s->state == S_FREED ? "freed"
	 : s->state == S_SMASHED ? "smashed" : "empty", (void *) s->p,
	 s->size);

  switch (op)
    {
    case 0:
    case 1:			/* mmalloc */
      if (s->state == S_LIVE)
	break;
      n = get_size (in);
      p = mmalloc (md, n);
      TRACE ("  mmalloc (%zu) = %p\n", n, p);
      if (p != NULL && n >= SIZE_MAX / 2)
	FZ_FAIL ("mmalloc (%zu) succeeded", n);
      take (s, p, n, c);
      expect_quiet (before, "mmalloc", p);
      break;
    case 2:			/* mcalloc */
      if (s->state == S_LIVE)
	break;
      {
	size_t a = get_size (in), b = get8 (in) % 9, i;
	unsigned char *q;
	/* Overflowing products, but no time wasted on giant blocks.  */
	if (a <= SIZE_MAX / 8 && a * b > ((size_t) 4 << 20))
	  b = 1;
	q = mcalloc (md, a, b);
	TRACE ("  mcalloc (%zu, %zu) = %p\n", a, b, (void *) q);
	if (q != NULL)
	  {
	    for (i = 0; i < a * b; i = next_index (i, a * b))
	      if (q[i] != 0)
		FZ_FAIL ("mcalloc (%zu, %zu) byte %zu is %#x", a, b, i, q[i]);
	    take (s, q, a * b, c);
	  }
	expect_quiet (before, "mcalloc", q);
      }
      break;
    case 3:			/* mmemalign */
      if (s->state == S_LIVE)
	break;
      {
	unsigned int k = get8 (in);
	size_t align = k & 0x80 ? (size_t) (k & 0x7f) + 1
	  : (size_t) 1 << (k % 14);
	n = get_size (in);
	p = mmemalign (md, align, n);
	TRACE ("  mmemalign (%zu, %zu) = %p\n", align, n, p);
	if (p != NULL && (uintptr_t) p % align != 0)
	  FZ_FAIL ("mmemalign (%zu) gave %p", align, p);
	take (s, p, n, c);
	/* Alignments whose least common multiple with 16 is past a page
	   get plain blocks (the head cannot be fitted).  */
	{
	  size_t low = align & -align;	/* largest power of two in it */
	  if (align * 16 / (low < 16 ? low : 16) > 4096)
	    s->checked = 0;
	}
	expect_quiet (before, "mmemalign", p);
      }
      break;
    case 4:			/* mvalloc */
      if (s->state == S_LIVE)
	break;
      n = get_size (in);
      p = mvalloc (md, n);
      TRACE ("  mvalloc (%zu) = %p\n", n, p);
      if (p != NULL && (uintptr_t) p % (uintptr_t) sysconf (_SC_PAGESIZE))
	FZ_FAIL ("mvalloc gave %p", p);
      take (s, p, n, c);
      expect_quiet (before, "mvalloc", p);
      break;
    case 5:
    case 6:			/* mfree */
      if (s->state != S_LIVE)
	break;
      verify (s, "mfree");
      mfree (md, s->p);
      s->state = S_FREED;
      expect_quiet (before, "mfree", s->p);
      break;
    case 7:			/* mrealloc */
      if (s->state != S_LIVE)
	break;
      verify (s, "mrealloc");
      n = get_size (in);
      p = mrealloc (md, s->p, n);
      TRACE ("  mrealloc (%p, %zu) = %p\n", (void *) s->p, n, p);
      expect_quiet (before, "mrealloc", p != NULL ? p : s->p);
      if (n == 0)
	{
	  s->state = S_FREED;
	  break;
	}
      if (p == NULL)
	break;
      {
	size_t keep = n < s->size ? n : s->size, i;
	for (i = 0; i < keep; i++)
	  if (((unsigned char *) p)[i] != s->fill)
	    FZ_FAIL ("mrealloc lost byte %zu", i);
      }
      s->state = S_EMPTY;
      take (s, p, n, c);
      break;
    case 8:			/* double free */
      if (s->state != S_FREED || address_busy (s->p))
	break;
      mfree (md, s->p);
      expect_report (before, "double free of", s->p);
      break;
    case 9:			/* realloc after free */
      if (s->state != S_FREED || address_busy (s->p))
	break;
      p = mrealloc (md, s->p, 10);
      expect_report (before, "mrealloc of freed", s->p);
      if (p != NULL)
	FZ_FAIL ("mrealloc of freed %p returned %p", (void *) s->p, p);
      break;
    case 10:			/* interior pointer */
      if (s->state != S_LIVE || s->size < 2)
	break;
      n = 1 + get8 (in) % (s->size - 1);
      mfree (md, s->p + n);
      expect_report (before, "interior pointer", s->p + n);
      break;
    case 11:			/* foreign pointers */
      switch (n = get8 (in) % 3)
	{
	case 0:
	  p = foreign_static + 16;
	  break;
	case 1:
	  p = mmalloc (other, 100);
	  break;
	default:
	  p = malloc (100);
	  break;
	}
      if (p == NULL)
	break;
      mfree (md, p);
      expect_report (before, "foreign pointer", p);
      if (p != foreign_static + 16)
	{
	  if (mmalloc_check (other) != 0)
	    FZ_FAIL ("the other heap was damaged");
	  if (n == 1)
	    mfree (other, p);
	  else
	    free (p);
	}
      break;
    case 12:			/* overrun by one byte */
      if (s->state != S_LIVE || !s->checked)
	break;
      s->p[s->size] ^= 0x55;
      s->state = S_SMASHED;
      dirty = 1;
      if (mmprobe (md, s->p) != MMPROBE_TAIL)
	FZ_FAIL ("mmprobe missed an overrun of %p", (void *) s->p);
      mfree (md, s->p);
      expect_report (before, "overrun of", s->p);
      break;
    case 13:			/* underrun: one byte of the head */
      if (s->state != S_LIVE || !s->checked)
	break;
      {
	unsigned int k = 1 + get8 (in) % 16, how = get8 (in) & 1;
	s->p[-(ptrdiff_t) k] ^= 0x55;
	s->state = S_SMASHED;
	dirty = 1;
	/* A smaller size field shows as a bad guard byte (fills are
	   never the guard's 0xd7).  */
	if (mmprobe (md, s->p) == MMPROBE_OK)
	  FZ_FAIL ("mmprobe missed an underrun of %p (byte -%u)",
		   (void *) s->p, k);
	if (how == 0)
	  {
	    /* Freed anyway when the wreck reads as a smaller size.  */
	    mfree (md, s->p);
	    expect_report (before, "underrun of", s->p);
	    break;
	  }
	p = mrealloc (md, s->p, 20);
	expect_report (before, "underrun of", s->p);
	/* A block with a sound magic word may still be moved.  */
	if (p != NULL)
	  {
	    s->state = S_EMPTY;
	    take (s, p, 20, c);
	  }
      }
      break;
    case 14:			/* mmprobe */
      if (s->state == S_LIVE)
	{
	  enum mmprobe_status st = mmprobe (md, s->p);
	  if (st != MMPROBE_OK)
	    FZ_FAIL ("mmprobe (%p) = %d for a live block", (void *) s->p, st);
	  verify (s, "mmprobe");
	}
      else if (s->state == S_FREED && !address_busy (s->p))
	{
	  enum mmprobe_status st = mmprobe (md, s->p);
	  if (st == MMPROBE_OK)
	    FZ_FAIL ("mmprobe (%p) = OK for a freed block", (void *) s->p);
	}
      break;
    case 15:			/* keys */
      {
	int k = (int) (get8 (in) % (MMALLOC_KEYS + 2)) - 1;
	void *v = s->state == S_LIVE ? s->p : NULL;
	int ok = mmalloc_setkey (md, k, v);
	if (ok != (k >= 0 && k < MMALLOC_KEYS))
	  FZ_FAIL ("mmalloc_setkey (%d) = %d", k, ok);
	if (ok && mmalloc_getkey (md, k) != v)
	  FZ_FAIL ("mmalloc_getkey (%d) differs", k);
      }
      break;
    case 16:			/* mmalloc_check */
      if (mmalloc_check (md) != 0 && !dirty)
	FZ_FAIL ("mmalloc_check: %s", mmalloc_check_message (md));
      expect_quiet (before, "mmalloc_check", NULL);
      break;
    case 17:			/* refill a live block */
      if (s->state == S_LIVE)
	{
	  verify (s, "refill");
	  fill (s, c);
	}
      break;
    case 18:			/* usable size */
      if (s->state == S_LIVE && mmalloc_usable_size (md, s->p) < s->size)
	FZ_FAIL ("mmalloc_usable_size (%p) < %zu", (void *) s->p, s->size);
      break;
    default:			/* mstats */
      {
	struct mstats st = mmstats (md);
	if (st.bytes_used > st.bytes_total)
	  FZ_FAIL ("mmstats: %zu bytes used of %zu", st.bytes_used,
		   st.bytes_total);
      }
      break;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct in in = { data, size };
  unsigned long before;
  int i;

  trace = getenv ("APISEQ_TRACE") != NULL;
  if (other == NULL && (other = mmalloc_attach (-1, NULL)) == NULL)
    FZ_FAIL ("second heap: %s", strerror (errno));
  md = mmalloc_attach (-1, NULL);
  if (md == NULL)
    FZ_FAIL ("attach: %s", strerror (errno));
  if (mmcheckf (md, count_abort, 1) != 1)
    FZ_FAIL ("mmcheckf refused");
  memset (slots, 0, sizeof slots);
  nabandoned = 0;
  dirty = 0;
  aborts = 0;

  while (in.n > 0)
    step (&in);

  before = aborts;
  for (i = 0; i < NSLOTS; i++)
    if (slots[i].state == S_LIVE)
      {
	verify (&slots[i], "final free");
	mfree (md, slots[i].p);
      }
  expect_quiet (before, "final frees", NULL);
  if (!dirty && mmalloc_check (md) != 0)
    FZ_FAIL ("mmalloc_check at the end: %s", mmalloc_check_message (md));
  if (mmalloc_detach (md) != NULL)
    FZ_FAIL ("detach: %s", strerror (errno));
  return 0;
}
