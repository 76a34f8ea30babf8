/* badinput.c -- the bad-input table of the manual ("Bad input" in the
   API reference, doc/badinput.texi): every public function given every
   kind of bad argument -- a null or foreign descriptor, a foreign,
   interior or freed pointer, a huge size, a bad alignment or key, a
   closed or read-only file descriptor, a file of the wrong kind -- must
   give the documented answer.  Each row of the table is one result here
   whose text starts with the row's id, so a failure names its row.

   Every row runs in a child process of its own: a crash is then that
   row's FAIL and the other rows still run, and rows that damage a heap
   (a double free, a mismatched abort function) cannot disturb the
   next.  The parent attaches an anonymous heap and a file heap before
   forking, so each child inherits them; rows that write use the
   anonymous one, which fork copies.  Heap files made for the rows are
   created by a setup child, so that the parent never has them attached
   and the children may attach them.  Black-box: the only layout used
   is the documented file format (attach-util.h).
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <sys/socket.h>
#include <mmalloc.h>
#include <qthread/qalloc.h>
#include "attach-util.h"

#define PROG "badinput"

/* ------------------------------------------------------------------ */
/* Rows.  ROW (text) { body } runs BODY in a child process, which must
   deliver exactly one verdict; the parent turns a crash, a hang (the
   child's alarm) or a missing verdict into a FAIL of the same row.
   ROW_DIES (text, status) { body } is for the rows whose documented
   answer ends the process (abort through the C library or the default
   abort function): the parent checks how the child ended.  */

static const char *cur_row;	/* text of the row being run */
static int verdicts;		/* verdicts the child delivered */
static int rows;		/* counted by the parent */

static void
verdict (int ok, const char *fmt, ...) MMT_PRINTF (2, 3);

/* Deliver the current row's result; FMT (printf) describes what was
   seen, in a NOTE, when the row fails.  The PASS and FAIL texts are
   both exactly the row's text, so that runs compare.  */
static void
verdict (int ok, const char *fmt, ...)
{
  char what[512];
  va_list ap;

  verdicts++;
  if (ok)
    {
      mmt_pass ("%s", cur_row);
      return;
    }
  va_start (ap, fmt);
  vsnprintf (what, sizeof what, fmt, ap);
  va_end (ap);
  mmt_note ("%s: got %s", cur_row, what);
  mmt_fail ("%s", cur_row);
}

/* Fork for row TEXT.  In the child: 1.  In the parent: wait, judge how
   the child ended (WANT_STATUS: 0 for a normal row, else the mmt_wait
   status the row's answer implies, or -1 for any abnormal end), and
   return 0 so that the body is skipped.  */
static int
row_begin (const char *text, int want_status)
{
  pid_t pid;
  int st;

  cur_row = text;
  verdicts = 0;
  pid = mmt_fork ();
  if (pid < 0)
    mmt_fatal ("fork: %s", strerror (errno));
  if (pid == 0)
    {
      alarm (20);		/* a FIFO must not hang the attach */
      return 1;
    }
  st = mmt_wait (pid);
  rows++;
  if (want_status == 0)
    {
      if (st != 0)
	{
	  mmt_note ("%s: child ended with %s", text, atu_status (st));
	  mmt_fail ("%s", text);
	}
    }
  else
    {
      int ok = want_status < 0 ? st != 0 : st == want_status;
      if (!ok)
	mmt_note ("%s: child ended with %s", text, atu_status (st));
      CHECK (ok, "%s", text);
    }
  return 0;
}

/* End of a normal row's child.  */
static void
row_end (void)
{
  if (verdicts != 1)
    mmt_fail ("%s [%d verdicts]", cur_row, verdicts);
  mmt_child_exit (0);
}

/* End of a ROW_DIES child that did not die: the parent reports it.  */
static void
row_end_alive (void)
{
  mmt_child_exit (0);
}

#define ROW(text) \
  for (int row_once_ = row_begin (text, 0); row_once_; \
       row_once_ = (row_end (), 0))
#define ROW_DIES(text, status) \
  for (int row_once_ = row_begin (text, status); row_once_; \
       row_once_ = (row_end_alive (), 0))

/* ------------------------------------------------------------------ */
/* Helpers for verdicts.  */

static const char *
ename (int e)
{
  static char buf[32];

  switch (e)
    {
    case 0: return "0";
    case EACCES: return "EACCES";
    case EBADF: return "EBADF";
    case EEXIST: return "EEXIST";
    case EINVAL: return "EINVAL";
    case EISDIR: return "EISDIR";
    case ENODEV: return "ENODEV";
    case ENOENT: return "ENOENT";
    case ENOMEM: return "ENOMEM";
    case ENOSPC: return "ENOSPC";
    case ENOTSUP: return "ENOTSUP";
    case EPERM: return "EPERM";
    case EROFS: return "EROFS";
    case ESPIPE: return "ESPIPE";
    case EUCLEAN: return "EUCLEAN";
    default:
      snprintf (buf, sizeof buf, "errno %d", e);
      return buf;
    }
}

/* errno as the call under test left it.  Set errno to 0, call, then
   E = errno (mmtest's reporting keeps errno, but ename and snprintf
   need not).  */
static int e;

#define CALL(lhs, expr) \
  do { errno = 0; lhs = (expr); e = errno; } while (0)
#define CALLV(expr) \
  do { errno = 0; expr; e = errno; } while (0)

/* R must be NULL with errno WANT.  */
static void
want_null (const void *r, int want)
{
  verdict (r == NULL && e == want, "%p, %s", r, ename (e));
}

/* R must be NULL with errno unchanged (it was 0).  */
static void
want_null_quiet (const void *r)
{
  verdict (r == NULL && e == 0, "%p, %s", r, ename (e));
}

/* An int result R must be WANT with errno WANT_E (-1: any).  */
static void
want_int (long r, long want, int want_e)
{
  verdict (r == want && (want_e < 0 || e == want_e), "%ld, %s", r,
	   ename (e));
}

/* ------------------------------------------------------------------ */
/* The world the rows work in.  */

/* Called through volatile pointers with volatile sizes, so that the
   compiler neither folds a failing allocation away nor warns about a
   huge constant size (testsuite/README).  */
static void *(*volatile v_mmalloc) (void *, size_t) = mmalloc;
static void *(*volatile v_mrealloc) (void *, void *, size_t) = mrealloc;
static void *(*volatile v_mcalloc) (void *, size_t, size_t) = mcalloc;
static void *(*volatile v_mmemalign) (void *, size_t, size_t) = mmemalign;
static void *(*volatile v_mvalloc) (void *, size_t) = mvalloc;
static volatile size_t huge = SIZE_MAX;
static volatile size_t half = SIZE_MAX / 2 + 1;

static void *anon;		/* an anonymous heap, copied by fork */
static void *fheap;		/* a file heap, shared with the children */
static int fheap_fd;
static char *fsmall, *flarge;	/* blocks of FHEAP (never freed) */
static long foreign[64];	/* memory no heap owns (static, aligned) */
static size_t pagesize;

/* Files.  */
static const char *n_fheap, *n_sound, *n_empty, *n_text, *n_zeros,
  *n_short, *n_word, *n_v1, *n_vnew, *n_endian, *n_trunc, *n_half,
  *n_dir, *n_fifo, *n_qs, *n_qd, *n_qs2, *n_missing, *n_closed, *n_opts,
  *n_nocreate;
static long parent_pid;		/* names of the files use it, children too */
static void *qs_addr;		/* recorded address of N_QS2 */

#define QF ((off_t) 1 << 20)	/* filesize of the qalloc maps */

/* Whether abort_count_fn was called, and how often.  */
static volatile int aborts;

static void
abort_count_fn (void)
{
  aborts++;
}

/* The name of file TAG of this run, in the current directory (freshly
   allocated).  The parent's pid is used in children too, so that the
   parent removes every file at the end.  */
static const char *
bi_name (const char *tag)
{
  char *b = malloc (80 + strlen (tag));

  if (b == NULL)
    mmt_fatal ("out of memory");
  sprintf (b, "attach-%s-%ld-%s.%s", PROG, parent_pid, tag,
	   strcmp (tag, "dir") == 0 || strcmp (tag, "fifo") == 0
	   ? "tmp" : "heap");
  return b;
}

/* A file descriptor that is certainly closed.  */
static int
closed_fd (void)
{
  int fd = atu_create (n_closed);

  close (fd);
  return fd;
}

/* Setup child: the heap files and qalloc maps of the rows, made while
   all are attached together (so that their addresses differ from one
   another and from the parent's heaps), then detached.  */
static int
make_files (void *arg)
{
  int fd = atu_create (n_sound);
  void *md = mmalloc_attach (fd, NULL), *p, *qs, *qd, *qs2;

  (void) arg;
  if (md == NULL || (p = mmalloc (md, 1000)) == NULL
      || !mmalloc_setkey (md, 0, p))
    return 10;
  qs = qalloc_makestatmap (QF, NULL, n_qs, 24, 2);
  qd = qalloc_makedynmap (QF, NULL, n_qd, 2);
  qs2 = qalloc_makestatmap (QF, NULL, n_qs2, 24, 2);
  if (qs == NULL || qd == NULL || qs2 == NULL)
    return 11;
  if (mmalloc_detach (md) != NULL)
    return 12;
  close (fd);
  qalloc_cleanup ();
  return 0;
}

/* Write a copy of SOUND (LEN bytes) with its 1-, 4- or 8-byte field at
   OFF set to V, as NAME.  */
static void
patched (const char *name, const unsigned char *sound, size_t len,
	 size_t off, int width, uint64_t v)
{
  unsigned char *b = malloc (len);

  if (b == NULL)
    mmt_fatal ("out of memory");
  memcpy (b, sound, len);
  if (width == 1)
    b[off] = (unsigned char) v;
  else if (width == 4)
    atu_put32 (b, off, (uint32_t) v);
  else
    atu_put64 (b, off, v);
  atu_spit (name, b, len);
  free (b);
}

static void
setup (void)
{
  static const char text[] = "This is a text file, not a heap file.\n";
  unsigned char *sound, *zeros;
  size_t len, i;
  int st;

  pagesize = atu_pagesize ();
  parent_pid = (long) getpid ();
  n_fheap = bi_name ("file");
  n_sound = bi_name ("sound");
  n_empty = bi_name ("empty");
  n_text = bi_name ("text");
  n_zeros = bi_name ("zeros");
  n_short = bi_name ("short");
  n_word = bi_name ("word");
  n_v1 = bi_name ("v1");
  n_vnew = bi_name ("vnew");
  n_endian = bi_name ("endian");
  n_trunc = bi_name ("trunc");
  n_half = bi_name ("half");
  n_qs = bi_name ("qs");
  n_qd = bi_name ("qd");
  n_qs2 = bi_name ("qs2");
  n_missing = bi_name ("missing");
  n_closed = bi_name ("closed");
  n_opts = bi_name ("opts");
  n_nocreate = bi_name ("nocreate");
  n_dir = bi_name ("dir");
  n_fifo = bi_name ("fifo");

  /* The parent's heaps, before any other file is attached anywhere.  */
  anon = mmalloc_attach (-1, NULL);
  fheap_fd = atu_create (n_fheap);
  fheap = mmalloc_attach (fheap_fd, NULL);
  if (anon == NULL || fheap == NULL)
    mmt_fatal ("cannot attach the rows' heaps: %s", strerror (errno));
  fsmall = mmalloc (fheap, 100);
  flarge = mmalloc (fheap, 200000);
  if (fsmall == NULL || flarge == NULL)
    mmt_fatal ("cannot allocate in the file heap: %s", strerror (errno));

  st = atu_in_child (make_files, NULL);
  if (st != 0)
    mmt_fatal ("setup child: %s", atu_status (st));

  close (atu_create (n_empty));
  {
    char big[8192];
    for (i = 0; i < sizeof big; i++)
      big[i] = text[i % (sizeof text - 1)];
    atu_spit (n_text, big, sizeof big);
  }
  zeros = calloc (1, 8192);
  if (zeros == NULL)
    mmt_fatal ("out of memory");
  atu_spit (n_zeros, zeros, 8192);
  free (zeros);
  atu_spit (n_short, "mmal", 4);

  sound = atu_slurp (n_sound, &len);
  if (len < 2 * pagesize || memcmp (sound, "mmalloc", 8) != 0)
    mmt_fatal ("%s is not a heap file", n_sound);
  patched (n_word, sound, len, ATU_OFF_WORD_SIZE, 1,
	   sizeof (void *) == 8 ? 4 : 8);
  patched (n_v1, sound, len, ATU_OFF_VERSION, 4, 1);
  patched (n_vnew, sound, len, ATU_OFF_VERSION, 4, ATU_VERSION + 1);
  patched (n_endian, sound, len, ATU_OFF_ENDIAN, 4,
	   __builtin_bswap32 (atu_get32 (sound, ATU_OFF_ENDIAN)));
  atu_spit (n_trunc, sound, 100);
  atu_spit (n_half, sound, len / 2);
  free (sound);

  if (mkdir (n_dir, 0700) != 0 && errno != EEXIST)
    mmt_fatal ("mkdir %s: %s", n_dir, strerror (errno));
  unlink (n_fifo);
  if (mkfifo (n_fifo, 0600) != 0)
    mmt_fatal ("mkfifo %s: %s", n_fifo, strerror (errno));

  /* A map is a heap file: its recorded address is the heap's base.  */
  sound = atu_slurp (n_qs2, &len);
  qs_addr = (void *) (uintptr_t) atu_get64 (sound, ATU_OFF_BASE);
  free (sound);
}

static void
teardown (void)
{
  const char *files[] = { n_fheap, n_sound, n_empty, n_text, n_zeros,
    n_short, n_word, n_v1, n_vnew, n_endian, n_trunc, n_half, n_qs, n_qd,
    n_qs2, n_fifo, n_closed, n_opts, n_nocreate
  };
  size_t i;

  qalloc_cleanup ();
  for (i = 0; i < sizeof files / sizeof files[0]; i++)
    unlink (files[i]);
  rmdir (n_dir);
}

/* Attach file NAME opened with FLAGS, through mmalloc_attach_opts with
   flags OFLAGS when they are not 0: the result, errno in E.  */
static void *
attach_file (const char *name, int flags, unsigned int oflags)
{
  int fd = open (name, flags);
  void *md;

  if (fd < 0)
    mmt_fatal ("open %s: %s", name, strerror (errno));
  if (oflags != 0)
    {
      struct mmalloc_options o = { 0 };
      o.size = sizeof o;
      o.flags = oflags;
      CALL (md, mmalloc_attach_opts (fd, NULL, &o));
    }
  else
    CALL (md, mmalloc_attach (fd, NULL));
  return md;
}

/* Attach N_SOUND read-only (in a child).  Fatal on failure.  */
static void *
attach_ro (void)
{
  void *md = attach_file (n_sound, O_RDONLY, MMALLOC_RDONLY);

  if (md == NULL)
    mmt_fatal ("%s: cannot attach %s read-only: %s", cur_row, n_sound,
	       ename (e));
  return md;
}

/* Attach with options O (fd of an empty file): result, errno in E.  */
static void *
attach_opts (struct mmalloc_options *o)
{
  int fd = atu_create (n_opts);
  void *md;

  CALL (md, mmalloc_attach_opts (fd, NULL, o));
  return md;
}

/* ------------------------------------------------------------------ */
/* mmalloc_attach, mmalloc_attach_opts: rows A and O.  */

static void
rows_attach (void)
{
  ROW ("A01: mmalloc_attach (closed fd): NULL, EBADF")
    {
      void *md;
      CALL (md, mmalloc_attach (closed_fd (), NULL));
      want_null (md, EBADF);
    }
  ROW ("A02: mmalloc_attach (fd never opened, INT_MAX): NULL, EBADF")
    {
      void *md;
      CALL (md, mmalloc_attach (INT_MAX, NULL));
      want_null (md, EBADF);
    }
  ROW ("A03: mmalloc_attach (fd < 0 other than -1): anonymous heap")
    {
      void *md, *p;
      CALL (md, mmalloc_attach (INT_MIN, NULL));
      p = md != NULL ? mmalloc (md, 10) : NULL;
      verdict (md != NULL && p != NULL, "%p, %s", md, ename (e));
    }
  ROW ("A04: mmalloc_attach (read-only fd, empty file): NULL, EACCES")
    want_null (attach_file (n_empty, O_RDONLY, 0), EACCES);
  ROW ("A05: mmalloc_attach (read-only fd, heap file): NULL, EACCES")
    want_null (attach_file (n_sound, O_RDONLY, 0), EACCES);
  ROW ("A06: mmalloc_attach (write-only fd): NULL, EACCES")
    want_null (attach_file (n_sound, O_WRONLY, 0), EACCES);
  /* An O_PATH descriptor is open, but neither for reading nor for
     writing.  */
  ROW ("A07: mmalloc_attach (O_PATH fd): NULL, EACCES")
    want_null (attach_file (n_sound, O_PATH, 0), EACCES);
  /* The kind of file is checked before the access mode: any file that
     is not a regular file gives EINVAL, whatever its mode.  */
  ROW ("A08: mmalloc_attach (directory): NULL, EINVAL")
    want_null (attach_file (n_dir, O_RDONLY, 0), EINVAL);
  ROW ("A09: mmalloc_attach (FIFO): NULL, EINVAL, no hang")
    want_null (attach_file (n_fifo, O_RDWR, 0), EINVAL);
  ROW ("A10: mmalloc_attach (/dev/null): NULL, EINVAL")
    want_null (attach_file ("/dev/null", O_RDWR, 0), EINVAL);
  ROW ("A11: mmalloc_attach (/dev/zero): NULL, EINVAL")
    want_null (attach_file ("/dev/zero", O_RDWR, 0), EINVAL);
  ROW ("A12: mmalloc_attach (socket): NULL, EINVAL")
    {
      int sv[2];
      void *md;
      if (socketpair (AF_UNIX, SOCK_STREAM, 0, sv) != 0)
	mmt_fatal ("socketpair: %s", strerror (errno));
      CALL (md, mmalloc_attach (sv[0], NULL));
      want_null (md, EINVAL);
    }
  ROW ("A13: mmalloc_attach (text file): NULL, EINVAL, file unchanged")
    {
      size_t len;
      unsigned char *before = atu_slurp (n_text, &len);
      void *md = attach_file (n_text, O_RDWR, 0);
      verdict (md == NULL && e == EINVAL && atu_same (n_text, before, len),
	       "%p, %s", md, ename (e));
    }
  ROW ("A14: mmalloc_attach (file of zeros): NULL, EINVAL")
    want_null (attach_file (n_zeros, O_RDWR, 0), EINVAL);
  ROW ("A15: mmalloc_attach (4-byte file, start of the magic): NULL, EINVAL")
    want_null (attach_file (n_short, O_RDWR, 0), EINVAL);
  ROW ("A16: mmalloc_attach (heap file of another word size): NULL, ENOTSUP")
    want_null (attach_file (n_word, O_RDWR, 0), ENOTSUP);
  ROW ("A17: mmalloc_attach (GNU mmalloc version 1 heap): NULL, ENOTSUP")
    want_null (attach_file (n_v1, O_RDWR, 0), ENOTSUP);
  ROW ("A18: mmalloc_attach (heap of a newer version): NULL, ENOTSUP")
    want_null (attach_file (n_vnew, O_RDWR, 0), ENOTSUP);
  ROW ("A19: mmalloc_attach (heap of the other byte order): NULL, ENOTSUP")
    want_null (attach_file (n_endian, O_RDWR, 0), ENOTSUP);
  ROW ("A20: mmalloc_attach (heap file cut to 100 bytes): NULL, EUCLEAN")
    want_null (attach_file (n_trunc, O_RDWR, 0), EUCLEAN);
  ROW ("A21: mmalloc_attach (heap file cut to half): NULL, EUCLEAN")
    want_null (attach_file (n_half, O_RDWR, 0), EUCLEAN);
  ROW ("A22: mmalloc_attach (baseaddr not page-aligned): NULL, EINVAL")
    {
      void *md;
      CALL (md, mmalloc_attach (-1, (char *) fheap + 0x40000000 + 1));
      want_null (md, EINVAL);
    }
  ROW ("A23: mmalloc_attach (baseaddr already mapped): NULL, EEXIST, "
       "mapping kept")
    {
      char *m = mmap (NULL, pagesize, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      void *md;
      if (m == MAP_FAILED)
	mmt_fatal ("mmap: %s", strerror (errno));
      m[0] = 42;
      CALL (md, mmalloc_attach (-1, m));
      verdict (md == NULL && e == EEXIST && m[0] == 42, "%p, %s", md,
	       ename (e));
    }
  ROW ("A24: mmalloc_attach (baseaddr outside user space): NULL, ENOMEM")
    {
      void *md;
      CALL (md, mmalloc_attach (-1, (void *) (uintptr_t) -(intptr_t)
				(16 * pagesize)));
      want_null (md, ENOMEM);
    }
  ROW ("A25: mmalloc_attach (heap already attached here): NULL, EEXIST")
    {
      void *md, *md2;
      md = attach_file (n_sound, O_RDWR, 0);
      if (md == NULL)
	mmt_fatal ("%s: first attach: %s", cur_row, ename (e));
      md2 = attach_file (n_sound, O_RDWR, 0);
      want_null (md2, EEXIST);
    }

  ROW ("A26: mmalloc_attach_opts (directory, MMALLOC_RDONLY): NULL, EINVAL")
    want_null (attach_file (n_dir, O_RDONLY, MMALLOC_RDONLY), EINVAL);

  ROW ("O01: mmalloc_attach_opts (size 0): NULL, EINVAL")
    {
      struct mmalloc_options o = { 0 };
      want_null (attach_opts (&o), EINVAL);
    }
  ROW ("O02: mmalloc_attach_opts (size 1): NULL, EINVAL")
    {
      struct mmalloc_options o = { 0 };
      o.size = 1;
      want_null (attach_opts (&o), EINVAL);
    }
  /* A structure of a later version, with one of its new fields set:
     the library cannot honour an option it does not know.  */
  ROW ("O03: mmalloc_attach_opts (size larger than known, unknown field "
       "set): NULL, EINVAL")
    {
      struct mmalloc_options o[2];
      memset (o, 0, sizeof o);
      o[0].size = sizeof o;
      o[1].flags = 1;
      want_null (attach_opts (o), EINVAL);
    }
  ROW ("O04: mmalloc_attach_opts (unknown flag 0x80): NULL, EINVAL")
    {
      struct mmalloc_options o = { 0 };
      o.size = sizeof o;
      o.flags = 0x80;
      want_null (attach_opts (&o), EINVAL);
    }
  ROW ("O05: mmalloc_attach_opts (all flags set, ~0u): NULL, EINVAL")
    {
      struct mmalloc_options o = { 0 };
      o.size = sizeof o;
      o.flags = ~0u;
      want_null (attach_opts (&o), EINVAL);
    }
  ROW ("O06: mmalloc_attach_opts (streams 65): NULL, EINVAL")
    {
      struct mmalloc_options o = { 0 };
      o.size = sizeof o;
      o.streams = 65;
      want_null (attach_opts (&o), EINVAL);
    }
  ROW ("O07: mmalloc_attach_opts (streams UINT_MAX): NULL, EINVAL")
    {
      struct mmalloc_options o = { 0 };
      o.size = sizeof o;
      o.streams = UINT_MAX;
      want_null (attach_opts (&o), EINVAL);
    }
  ROW ("O08: mmalloc_attach_opts (MMALLOC_RDONLY, empty file): NULL, EINVAL")
    {
      struct mmalloc_options o = { 0 };
      o.size = sizeof o;
      o.flags = MMALLOC_RDONLY;
      want_null (attach_opts (&o), EINVAL);
    }
  ROW ("O09: mmalloc_attach_opts (MMALLOC_RDONLY, write-only fd): "
       "NULL, EACCES")
    want_null (attach_file (n_sound, O_WRONLY, MMALLOC_RDONLY), EACCES);
  ROW ("O10: mmalloc_attach_opts (MMALLOC_RDONLY, fd < 0): NULL, EINVAL")
    {
      struct mmalloc_options o = { 0 };
      void *md;
      o.size = sizeof o;
      o.flags = MMALLOC_RDONLY;
      CALL (md, mmalloc_attach_opts (-1, NULL, &o));
      want_null (md, EINVAL);
    }
  ROW ("O11: mmalloc_attach_opts (MMALLOC_EXCL, heap file): NULL, EEXIST")
    want_null (attach_file (n_sound, O_RDWR, MMALLOC_EXCL), EEXIST);
  ROW ("O12: mmalloc_attach_opts (MMALLOC_EXCL, text file): NULL, EEXIST")
    want_null (attach_file (n_text, O_RDWR, MMALLOC_EXCL), EEXIST);
  ROW ("O13: mmalloc_attach_opts (MMALLOC_EXCL | MMALLOC_RDONLY, heap "
       "file): NULL, EEXIST")
    want_null (attach_file (n_sound, O_RDONLY, MMALLOC_EXCL | MMALLOC_RDONLY),
	       EEXIST);
  ROW ("O14: mmalloc_attach_opts (capacity 1, below the header): "
       "NULL, EINVAL")
    {
      struct mmalloc_options o = { 0 };
      o.size = sizeof o;
      o.capacity = 1;
      want_null (attach_opts (&o), EINVAL);
    }
  ROW ("O15: mmalloc_attach_opts (capacity SIZE_MAX, above the largest "
       "region): NULL, EINVAL")
    {
      struct mmalloc_options o = { 0 };
      o.size = sizeof o;
      o.capacity = SIZE_MAX;
      want_null (attach_opts (&o), EINVAL);
    }
  ROW ("O16: mmalloc_attach_opts (NULL opts): as mmalloc_attach")
    {
      void *md;
      CALL (md, mmalloc_attach_opts (-1, NULL, NULL));
      verdict (md != NULL, "%p, %s", md, ename (e));
    }
  ROW ("O17: mmalloc_attach_opts (bad options, heap file): NULL, EINVAL, "
       "file unchanged")
    {
      struct mmalloc_options o = { 0 };
      size_t len;
      unsigned char *before = atu_slurp (n_sound, &len);
      int fd = atu_open (n_sound, O_RDWR);
      void *md;
      o.size = sizeof o;
      o.flags = 0x80;
      CALL (md, mmalloc_attach_opts (fd, NULL, &o));
      verdict (md == NULL && e == EINVAL && atu_same (n_sound, before, len),
	       "%p, %s", md, ename (e));
    }
}

/* ------------------------------------------------------------------ */
/* mmalloc_detach: rows D.  */

static void
rows_detach (void)
{
  ROW ("D01: mmalloc_detach (NULL): NULL, nothing done")
    {
      void *r;
      CALL (r, mmalloc_detach (NULL));
      want_null_quiet (r);
    }
  ROW ("D02: mmalloc_detach (foreign descriptor): the descriptor, EINVAL")
    {
      void *r;
      CALL (r, mmalloc_detach (foreign));
      verdict (r == (void *) foreign && e == EINVAL, "%p, %s", r, ename (e));
    }
  ROW ("D03: mmalloc_detach (interior of a heap): the pointer, EINVAL, "
       "heap kept")
    {
      void *r, *p;
      CALL (r, mmalloc_detach (fsmall));
      p = mmalloc (fheap, 10);
      verdict (r == fsmall && e == EINVAL && p != NULL, "%p, %s", r,
	       ename (e));
    }
  ROW ("D04: mmalloc_detach (detached descriptor): the descriptor, EINVAL")
    {
      void *md = mmalloc_attach (-1, NULL), *r;
      if (md == NULL || mmalloc_detach (md) != NULL)
	mmt_fatal ("%s: setup", cur_row);
      CALL (r, mmalloc_detach (md));
      verdict (r == md && e == EINVAL, "%p, %s", r, ename (e));
    }
  ROW ("D05: mmalloc_detach (file heap whose fd was closed): NULL")
    {
      void *r;
      close (fheap_fd);
      CALL (r, mmalloc_detach (fheap));
      verdict (r == NULL, "%p, %s", r, ename (e));
    }
}

/* ------------------------------------------------------------------ */
/* Allocation: rows M (mmalloc), R (mrealloc), C (mcalloc),
   G (mmemalign), V (mvalloc).  */

static void
rows_alloc (void)
{
  ROW ("M01: mmalloc (foreign descriptor): NULL, EINVAL")
    {
      void *p;
      CALL (p, v_mmalloc (foreign, 10));
      want_null (p, EINVAL);
    }
  ROW ("M02: mmalloc (detached descriptor): NULL, EINVAL")
    {
      void *md = mmalloc_attach (-1, NULL), *p;
      if (md == NULL || mmalloc_detach (md) != NULL)
	mmt_fatal ("%s: setup", cur_row);
      CALL (p, v_mmalloc (md, 10));
      want_null (p, EINVAL);
    }
  ROW ("M03: mmalloc (size SIZE_MAX, default heap): NULL, ENOMEM")
    {
      void *p;
      CALL (p, v_mmalloc (NULL, huge));
      want_null (p, ENOMEM);
    }
  ROW ("M04: mmalloc (size SIZE_MAX, file heap): NULL, ENOMEM")
    {
      void *p;
      CALL (p, v_mmalloc (fheap, huge));
      want_null (p, ENOMEM);
    }
  ROW ("M05: mmalloc (size SIZE_MAX / 2 + 1, anonymous heap): NULL, ENOMEM")
    {
      void *p;
      CALL (p, v_mmalloc (anon, half));
      want_null (p, ENOMEM);
    }
  ROW ("M06: mmalloc (size 0): NULL, errno unchanged")
    {
      void *p;
      CALL (p, v_mmalloc (anon, 0));
      want_null_quiet (p);
    }
  ROW ("M07: mmalloc (heap attached MMALLOC_RDONLY): NULL, EROFS")
    {
      void *md = attach_ro (), *p;
      CALL (p, v_mmalloc (md, 10));
      want_null (p, EROFS);
    }
  ROW ("M08: mmalloc (file heap whose fd was closed, must grow): "
       "NULL, ENOMEM or ENOSPC")
    {
      void *p;
      close (fheap_fd);
      CALL (p, v_mmalloc (fheap, (size_t) 64 << 20));
      verdict (p == NULL && (e == ENOMEM || e == ENOSPC), "%p, %s", p,
	       ename (e));
    }

  ROW ("R01: mrealloc (foreign descriptor): NULL, EINVAL")
    {
      void *p;
      CALL (p, v_mrealloc (foreign, NULL, 10));
      want_null (p, EINVAL);
    }
  ROW ("R02: mrealloc (foreign descriptor, block of another heap): "
       "NULL, EINVAL")
    {
      void *p;
      CALL (p, v_mrealloc (foreign, fsmall, 10));
      want_null (p, EINVAL);
    }
  ROW ("R03: mrealloc (foreign pointer): NULL, EINVAL")
    {
      void *p;
      CALL (p, v_mrealloc (anon, foreign, 10));
      want_null (p, EINVAL);
    }
  ROW ("R04: mrealloc (block of another heap): NULL, EINVAL, block kept")
    {
      void *p;
      memset (fsmall, 7, 100);
      CALL (p, v_mrealloc (anon, fsmall, 10));
      verdict (p == NULL && e == EINVAL && fsmall[99] == 7
	       && mmalloc_usable_size (fheap, fsmall) >= 100, "%p, %s", p,
	       ename (e));
    }
  ROW ("R05: mrealloc (interior pointer, small block): NULL, EINVAL")
    {
      char *b = mmalloc (anon, 100), *p;
      CALL (p, v_mrealloc (anon, b + 16, 10));
      want_null (p, EINVAL);
    }
  ROW ("R06: mrealloc (interior pointer, large block): NULL, EINVAL")
    {
      char *b = mmalloc (anon, 200000), *p;
      CALL (p, v_mrealloc (anon, b + pagesize, 10));
      want_null (p, EINVAL);
    }
  ROW ("R07: mrealloc (freed large block): NULL, EINVAL")
    {
      char *b = mmalloc (anon, 200000), *p;
      mfree (anon, b);
      CALL (p, v_mrealloc (anon, b, 10));
      want_null (p, EINVAL);
    }
  ROW ("R08: mrealloc (size SIZE_MAX): NULL, ENOMEM, block kept")
    {
      char *b = mmalloc (anon, 100), *p;
      memset (b, 5, 100);
      CALL (p, v_mrealloc (anon, b, huge));
      verdict (p == NULL && e == ENOMEM && b[99] == 5
	       && mmalloc_usable_size (anon, b) >= 100, "%p, %s", p, ename (e));
    }
  ROW ("R09: mrealloc (heap attached MMALLOC_RDONLY): NULL, EROFS")
    {
      void *md = attach_ro (), *p;
      CALL (p, v_mrealloc (md, mmalloc_getkey (md, 0), 10));
      want_null (p, EROFS);
    }

  ROW ("C01: mcalloc (nmemb * size overflows): NULL, ENOMEM")
    {
      void *p;
      CALL (p, v_mcalloc (anon, half, 2));
      want_null (p, ENOMEM);
    }
  ROW ("C02: mcalloc (SIZE_MAX * SIZE_MAX): NULL, ENOMEM")
    {
      void *p;
      CALL (p, v_mcalloc (NULL, huge, huge));
      want_null (p, ENOMEM);
    }
  ROW ("C03: mcalloc (nmemb 0): NULL, errno unchanged")
    {
      void *p;
      CALL (p, v_mcalloc (anon, 0, huge));
      want_null_quiet (p);
    }
  ROW ("C04: mcalloc (foreign descriptor): NULL, EINVAL")
    {
      void *p;
      CALL (p, v_mcalloc (foreign, 1, 10));
      want_null (p, EINVAL);
    }
  ROW ("C05: mcalloc (heap attached MMALLOC_RDONLY): NULL, EROFS")
    {
      void *md = attach_ro (), *p;
      CALL (p, v_mcalloc (md, 1, 10));
      want_null (p, EROFS);
    }

  ROW ("G01: mmemalign (alignment 0): NULL, EINVAL")
    {
      void *p;
      CALL (p, v_mmemalign (anon, 0, 10));
      want_null (p, EINVAL);
    }
  ROW ("G02: mmemalign (alignment 48, not a power of two): a multiple of 48")
    {
      void *p;
      CALL (p, v_mmemalign (anon, 48, 100));
      verdict (p != NULL && (uintptr_t) p % 48 == 0, "%p, %s", p, ename (e));
    }
  ROW ("G03: mmemalign (alignment 3): a multiple of 3")
    {
      void *p;
      CALL (p, v_mmemalign (anon, 3, 10));
      verdict (p != NULL && (uintptr_t) p % 3 == 0, "%p, %s", p, ename (e));
    }
  ROW ("G04: mmemalign (alignment SIZE_MAX): NULL, ENOMEM")
    {
      void *p;
      CALL (p, v_mmemalign (anon, huge, 10));
      want_null (p, ENOMEM);
    }
  ROW ("G05: mmemalign (alignment SIZE_MAX / 2 + 1, a power of two): "
       "NULL, ENOMEM")
    {
      void *p;
      CALL (p, v_mmemalign (anon, half, 10));
      want_null (p, ENOMEM);
    }
  ROW ("G06: mmemalign (size SIZE_MAX): NULL, ENOMEM")
    {
      void *p;
      CALL (p, v_mmemalign (anon, 64, huge));
      want_null (p, ENOMEM);
    }
  ROW ("G07: mmemalign (size 0): NULL, errno unchanged")
    {
      void *p;
      CALL (p, v_mmemalign (anon, 64, 0));
      want_null_quiet (p);
    }
  ROW ("G08: mmemalign (foreign descriptor): NULL, EINVAL")
    {
      void *p;
      CALL (p, v_mmemalign (foreign, 64, 10));
      want_null (p, EINVAL);
    }
  ROW ("G09: mmemalign (heap attached MMALLOC_RDONLY): NULL, EROFS")
    {
      void *md = attach_ro (), *p;
      CALL (p, v_mmemalign (md, 64, 10));
      want_null (p, EROFS);
    }

  ROW ("V01: mvalloc (size SIZE_MAX): NULL, ENOMEM")
    {
      void *p;
      CALL (p, v_mvalloc (anon, huge));
      want_null (p, ENOMEM);
    }
  ROW ("V02: mvalloc (size 0): NULL, errno unchanged")
    {
      void *p;
      CALL (p, v_mvalloc (anon, 0));
      want_null_quiet (p);
    }
  ROW ("V03: mvalloc (foreign descriptor): NULL, EINVAL")
    {
      void *p;
      CALL (p, v_mvalloc (foreign, 10));
      want_null (p, EINVAL);
    }
  ROW ("V04: mvalloc (heap attached MMALLOC_RDONLY): NULL, EROFS")
    {
      void *md = attach_ro (), *p;
      CALL (p, v_mvalloc (md, 10));
      want_null (p, EROFS);
    }
}

/* ------------------------------------------------------------------ */
/* mfree: rows F.  */

/* Whether heap MD still passes mmalloc_check and serves allocations.  */
static int
sound (void *md)
{
  return mmalloc_check (md) == 0 && mmalloc (md, 50) != NULL;
}

static void
rows_free (void)
{
  ROW ("F01: mfree (NULL pointer): nothing, errno unchanged")
    {
      CALLV (mfree (anon, NULL));
      verdict (e == 0, "%s", ename (e));
    }
  ROW ("F02: mfree (foreign descriptor): ignored, EINVAL")
    {
      CALLV (mfree (foreign, fsmall));
      verdict (e == EINVAL && mmalloc_usable_size (fheap, fsmall) >= 100,
	       "%s", ename (e));
    }
  ROW ("F03: mfree (foreign pointer): ignored, EINVAL")
    {
      struct mstats before = mmstats (anon), after;
      CALLV (mfree (anon, foreign));
      after = mmstats (anon);
      verdict (e == EINVAL && before.chunks_used == after.chunks_used
	       && sound (anon), "%s", ename (e));
    }
  ROW ("F04: mfree (block of another heap): ignored, EINVAL")
    {
      CALLV (mfree (anon, fsmall));
      verdict (e == EINVAL && mmalloc_usable_size (fheap, fsmall) >= 100
	       && sound (anon), "%s", ename (e));
    }
  ROW ("F05: mfree (interior pointer, small block): ignored, EINVAL")
    {
      char *b = mmalloc (anon, 100);
      CALLV (mfree (anon, b + 16));
      verdict (e == EINVAL && mmalloc_usable_size (anon, b) >= 100
	       && sound (anon), "%s", ename (e));
    }
  ROW ("F06: mfree (interior pointer, large block): ignored, EINVAL")
    {
      char *b = mmalloc (anon, 200000);
      CALLV (mfree (anon, b + pagesize));
      verdict (e == EINVAL && mmalloc_usable_size (anon, b) >= 200000
	       && sound (anon), "%s", ename (e));
    }
  ROW ("F07: mfree (freed large block): ignored, EINVAL")
    {
      char *b = mmalloc (anon, 200000);
      mfree (anon, b);
      CALLV (mfree (anon, b));
      verdict (e == EINVAL && sound (anon), "%s", ename (e));
    }
  ROW ("F08: mfree (freed small block): no crash (detection not promised)")
    {
      char *b = mmalloc (anon, 100);
      mfree (anon, b);
      CALLV (mfree (anon, b));
      verdict (1, "%s", ename (e));
    }
  ROW ("F09: mfree (heap attached MMALLOC_RDONLY): ignored, EROFS")
    {
      void *md = attach_ro ();
      CALLV (mfree (md, mmalloc_getkey (md, 0)));
      verdict (e == EROFS, "%s", ename (e));
    }
  ROW ("F10: mfree (checked heap, foreign pointer): abort function called")
    {
      aborts = 0;
      if (mmcheckf (anon, abort_count_fn, 1) != 1)
	mmt_fatal ("%s: mmcheckf", cur_row);
      CALLV (mfree (anon, foreign));
      verdict (aborts == 1, "%d abort calls, %s", aborts, ename (e));
    }
  ROW ("F11: mfree (checked heap, interior pointer): abort function called")
    {
      char *b;
      aborts = 0;
      if (mmcheckf (anon, abort_count_fn, 1) != 1)
	mmt_fatal ("%s: mmcheckf", cur_row);
      b = mmalloc (anon, 100);
      CALLV (mfree (anon, b + 16));
      verdict (aborts == 1, "%d abort calls, %s", aborts, ename (e));
    }
  ROW ("F12: mfree (checked heap, freed small block): abort function called")
    {
      char *b;
      aborts = 0;
      if (mmcheckf (anon, abort_count_fn, 1) != 1)
	mmt_fatal ("%s: mmcheckf", cur_row);
      b = mmalloc (anon, 100);
      mfree (anon, b);
      CALLV (mfree (anon, b));
      verdict (aborts == 1, "%d abort calls, %s", aborts, ename (e));
    }
  ROW ("F13: mfree (checked heap, freed large block): abort function called")
    {
      char *b;
      aborts = 0;
      if (mmcheckf (anon, abort_count_fn, 1) != 1)
	mmt_fatal ("%s: mmcheckf", cur_row);
      b = mmalloc (anon, 200000);
      mfree (anon, b);
      CALLV (mfree (anon, b));
      verdict (aborts == 1, "%d abort calls, %s", aborts, ename (e));
    }
  ROW_DIES ("F14: mfree (checked heap, abort function NULL, foreign "
	    "pointer): abort, SIGABRT", 128 + SIGABRT)
    {
      if (mmcheckf (anon, NULL, 1) != 1)
	mmt_fatal ("%s: mmcheckf", cur_row);
      mfree (anon, foreign);
    }
  ROW ("F15: mrealloc (checked heap, foreign pointer): abort function "
       "called, NULL")
    {
      void *p;
      aborts = 0;
      if (mmcheckf (anon, abort_count_fn, 1) != 1)
	mmt_fatal ("%s: mmcheckf", cur_row);
      CALL (p, v_mrealloc (anon, foreign, 10));
      verdict (aborts == 1 && p == NULL, "%d abort calls, %p, %s", aborts,
	       p, ename (e));
    }
  /* The default heap hands pointers it does not own to the C library's
     free (doc/internals.texi, "The default heap"), which stops the
     program for one it did not allocate either.  Under a sanitizer the
     sanitizer's free reports it and exits; either way the process ends
     abnormally.  The word before FOREIGN + 2 is zero, which glibc's
     free refuses as an invalid size.  */
  ROW_DIES ("F16: mfree (NULL, pointer of no allocator): passed to the C "
	    "library's free, which aborts", -1)
    {
      memset (foreign, 0, sizeof foreign);
      mfree (NULL, &foreign[2]);
    }
}

/* ------------------------------------------------------------------ */
/* mmalloc_usable_size (U), keys (K), mmalloc_sync (S),
   mmalloc_findbase (B), mmalloc_errno (E).  */

static void
rows_misc (void)
{
  ROW ("U01: mmalloc_usable_size (NULL pointer): 0")
    {
      size_t n;
      CALL (n, mmalloc_usable_size (anon, NULL));
      want_int ((long) n, 0, -1);
    }
  ROW ("U02: mmalloc_usable_size (foreign pointer): 0")
    {
      size_t n;
      CALL (n, mmalloc_usable_size (anon, foreign));
      want_int ((long) n, 0, -1);
    }
  ROW ("U03: mmalloc_usable_size (block of another heap): 0")
    {
      size_t n;
      CALL (n, mmalloc_usable_size (anon, fsmall));
      want_int ((long) n, 0, -1);
    }
  ROW ("U04: mmalloc_usable_size (interior pointer): 0")
    {
      char *b = mmalloc (anon, 100);
      size_t n;
      CALL (n, mmalloc_usable_size (anon, b + 16));
      want_int ((long) n, 0, -1);
    }
  ROW ("U05: mmalloc_usable_size (freed large block): 0")
    {
      char *b = mmalloc (anon, 200000);
      size_t n;
      mfree (anon, b);
      CALL (n, mmalloc_usable_size (anon, b));
      want_int ((long) n, 0, -1);
    }
  ROW ("U06: mmalloc_usable_size (foreign descriptor): 0")
    {
      size_t n;
      CALL (n, mmalloc_usable_size (foreign, fsmall));
      want_int ((long) n, 0, -1);
    }

  ROW ("K01: mmalloc_setkey (NULL descriptor): 0, EINVAL")
    {
      int r;
      CALL (r, mmalloc_setkey (NULL, 0, foreign));
      want_int (r, 0, EINVAL);
    }
  ROW ("K02: mmalloc_setkey (foreign descriptor): 0, EINVAL")
    {
      int r;
      CALL (r, mmalloc_setkey (foreign, 0, foreign));
      want_int (r, 0, EINVAL);
    }
  ROW ("K03: mmalloc_setkey (key -1): 0, EINVAL")
    {
      int r;
      CALL (r, mmalloc_setkey (anon, -1, foreign));
      want_int (r, 0, EINVAL);
    }
  ROW ("K04: mmalloc_setkey (key MMALLOC_KEYS): 0, EINVAL")
    {
      int r;
      CALL (r, mmalloc_setkey (anon, MMALLOC_KEYS, foreign));
      want_int (r, 0, EINVAL);
    }
  ROW ("K05: mmalloc_setkey (key INT_MIN): 0, EINVAL")
    {
      int r;
      CALL (r, mmalloc_setkey (anon, INT_MIN, foreign));
      want_int (r, 0, EINVAL);
    }
  ROW ("K06: mmalloc_setkey (key INT_MAX): 0, EINVAL")
    {
      int r;
      CALL (r, mmalloc_setkey (anon, INT_MAX, foreign));
      want_int (r, 0, EINVAL);
    }
  ROW ("K07: mmalloc_setkey (heap attached MMALLOC_RDONLY): 0, EROFS, "
       "key kept")
    {
      void *md = attach_ro (), *k = mmalloc_getkey (md, 0);
      int r;
      CALL (r, mmalloc_setkey (md, 0, NULL));
      verdict (r == 0 && e == EROFS && k != NULL
	       && mmalloc_getkey (md, 0) == k, "%d, %s", r, ename (e));
    }
  ROW ("K08: mmalloc_getkey (NULL descriptor): NULL, EINVAL")
    {
      void *k;
      CALL (k, mmalloc_getkey (NULL, 0));
      want_null (k, EINVAL);
    }
  ROW ("K09: mmalloc_getkey (foreign descriptor): NULL, EINVAL")
    {
      void *k;
      CALL (k, mmalloc_getkey (foreign, 0));
      want_null (k, EINVAL);
    }
  ROW ("K10: mmalloc_getkey (key -1): NULL, EINVAL")
    {
      void *k;
      CALL (k, mmalloc_getkey (anon, -1));
      want_null (k, EINVAL);
    }
  ROW ("K11: mmalloc_getkey (key MMALLOC_KEYS): NULL, EINVAL")
    {
      void *k;
      CALL (k, mmalloc_getkey (anon, MMALLOC_KEYS));
      want_null (k, EINVAL);
    }
  ROW ("K12: mmalloc_getkey (key INT_MAX): NULL, EINVAL")
    {
      void *k;
      CALL (k, mmalloc_getkey (anon, INT_MAX));
      want_null (k, EINVAL);
    }

  ROW ("S01: mmalloc_sync (foreign descriptor): -1, EINVAL")
    {
      int r;
      CALL (r, mmalloc_sync (foreign));
      want_int (r, -1, EINVAL);
    }
  ROW ("S02: mmalloc_sync (detached descriptor): -1, EINVAL")
    {
      void *md = mmalloc_attach (-1, NULL);
      int r;
      if (md == NULL || mmalloc_detach (md) != NULL)
	mmt_fatal ("%s: setup", cur_row);
      CALL (r, mmalloc_sync (md));
      want_int (r, -1, EINVAL);
    }
  ROW ("S03: mmalloc_sync (NULL, the default heap): 0")
    {
      int r;
      CALL (r, mmalloc_sync (NULL));
      want_int (r, 0, -1);
    }
  ROW ("S04: mmalloc_sync (anonymous heap): 0")
    {
      int r;
      CALL (r, mmalloc_sync (anon));
      want_int (r, 0, -1);
    }
  ROW ("S05: mmalloc_sync (file heap whose fd was closed): 0")
    {
      int r;
      close (fheap_fd);
      CALL (r, mmalloc_sync (fheap));
      want_int (r, 0, -1);
    }
  ROW ("S06: mmalloc_sync (heap attached MMALLOC_RDONLY): 0")
    {
      void *md = attach_ro ();
      int r;
      CALL (r, mmalloc_sync (md));
      want_int (r, 0, -1);
    }

  ROW ("B01: mmalloc_findbase (size 0): NULL, EINVAL")
    {
      void *b;
      CALL (b, mmalloc_findbase (0));
      want_null (b, EINVAL);
    }
  ROW ("B02: mmalloc_findbase (size -1): NULL, EINVAL")
    {
      void *b;
      CALL (b, mmalloc_findbase (-1));
      want_null (b, EINVAL);
    }
  ROW ("B03: mmalloc_findbase (size INT_MIN): NULL, EINVAL")
    {
      void *b;
      CALL (b, mmalloc_findbase (INT_MIN));
      want_null (b, EINVAL);
    }
  ROW ("B04: mmalloc_findbase (size INT_MAX): a page-aligned address")
    {
      void *b;
      CALL (b, mmalloc_findbase (INT_MAX));
      verdict (b != NULL && (uintptr_t) b % pagesize == 0, "%p, %s", b,
	       ename (e));
    }

  ROW ("E01: mmalloc_errno (foreign descriptor): 0 (unspecified)")
    {
      int r;
      CALL (r, mmalloc_errno (foreign));
      want_int (r, 0, -1);
    }
  ROW ("E02: mmalloc_errno (detached descriptor): 0 (unspecified)")
    {
      void *md = mmalloc_attach (-1, NULL);
      int r;
      if (md == NULL || mmalloc_detach (md) != NULL)
	mmt_fatal ("%s: setup", cur_row);
      CALL (r, mmalloc_errno (md));
      want_int (r, 0, -1);
    }
}

/* ------------------------------------------------------------------ */
/* Checking and statistics: rows X (mmcheck, mmcheckf), P (mmprobe),
   T (mmstats), H (mmalloc_check, mmalloc_check_message),
   Z (mmtrace).  */

static void
rows_check (void)
{
  ROW ("X01: mmcheck (foreign descriptor): 0, EINVAL")
    {
      int r;
      CALL (r, mmcheck (foreign, abort_count_fn));
      want_int (r, 0, EINVAL);
    }
  ROW ("X02: mmcheckf (foreign descriptor, force 1): 0, EINVAL")
    {
      int r;
      CALL (r, mmcheckf (foreign, abort_count_fn, 1));
      want_int (r, 0, EINVAL);
    }
  ROW ("X03: mmcheckf (detached descriptor): 0, EINVAL")
    {
      void *md = mmalloc_attach (-1, NULL);
      int r;
      if (md == NULL || mmalloc_detach (md) != NULL)
	mmt_fatal ("%s: setup", cur_row);
      CALL (r, mmcheckf (md, NULL, 1));
      want_int (r, 0, EINVAL);
    }
  ROW ("X04: mmcheck (heap that served an allocation): 0")
    {
      int r;
      if (mmalloc (anon, 10) == NULL)
	mmt_fatal ("%s: mmalloc", cur_row);
      CALL (r, mmcheck (anon, abort_count_fn));
      want_int (r, 0, -1);
    }
  ROW ("X05: mmcheckf (heap that served an allocation, force 0): 0")
    {
      int r;
      if (mmalloc (anon, 10) == NULL)
	mmt_fatal ("%s: mmalloc", cur_row);
      CALL (r, mmcheckf (anon, abort_count_fn, 0));
      want_int (r, 0, -1);
    }
  ROW ("X06: mmcheckf (heap attached MMALLOC_RDONLY, force 1): 0, EROFS")
    {
      void *md = attach_ro ();
      int r;
      CALL (r, mmcheckf (md, abort_count_fn, 1));
      want_int (r, 0, EROFS);
    }

  ROW ("P01: mmprobe (heap without checking): MMPROBE_DISABLED")
    {
      int r;
      CALL (r, (int) mmprobe (anon, fsmall));
      want_int (r, MMPROBE_DISABLED, -1);
    }
  ROW ("P02: mmprobe (foreign descriptor): MMPROBE_DISABLED (unspecified)")
    {
      int r;
      CALL (r, (int) mmprobe (foreign, fsmall));
      want_int (r, MMPROBE_DISABLED, -1);
    }
  ROW ("P03: mmprobe (checked heap, NULL pointer): MMPROBE_HEAD")
    {
      int r;
      if (mmcheckf (anon, abort_count_fn, 1) != 1)
	mmt_fatal ("%s: mmcheckf", cur_row);
      CALL (r, (int) mmprobe (anon, NULL));
      want_int (r, MMPROBE_HEAD, -1);
    }
  ROW ("P04: mmprobe (checked heap, foreign pointer): MMPROBE_HEAD")
    {
      int r;
      if (mmcheckf (anon, abort_count_fn, 1) != 1)
	mmt_fatal ("%s: mmcheckf", cur_row);
      CALL (r, (int) mmprobe (anon, foreign));
      want_int (r, MMPROBE_HEAD, -1);
    }
  ROW ("P05: mmprobe (checked heap, interior pointer): MMPROBE_HEAD")
    {
      char *b;
      int r;
      if (mmcheckf (anon, abort_count_fn, 1) != 1)
	mmt_fatal ("%s: mmcheckf", cur_row);
      b = mmalloc (anon, 100);
      CALL (r, (int) mmprobe (anon, b + 16));
      want_int (r, MMPROBE_HEAD, -1);
    }
  ROW ("P06: mmprobe (checked heap, freed block): MMPROBE_FREE")
    {
      char *b;
      int r;
      if (mmcheckf (anon, abort_count_fn, 1) != 1)
	mmt_fatal ("%s: mmcheckf", cur_row);
      b = mmalloc (anon, 100);
      mfree (anon, b);
      CALL (r, (int) mmprobe (anon, b));
      want_int (r, MMPROBE_FREE, -1);
    }
  ROW ("P07: mmprobe (checked heap, block of another heap): MMPROBE_HEAD")
    {
      int r;
      if (mmcheckf (anon, abort_count_fn, 1) != 1)
	mmt_fatal ("%s: mmcheckf", cur_row);
      CALL (r, (int) mmprobe (anon, fsmall));
      want_int (r, MMPROBE_HEAD, -1);
    }

  ROW ("T01: mmstats (foreign descriptor): all 0, EINVAL")
    {
      struct mstats s;
      CALL (s, mmstats (foreign));
      verdict (s.bytes_total == 0 && s.chunks_used == 0 && s.bytes_used == 0
	       && s.chunks_free == 0 && s.bytes_free == 0 && e == EINVAL,
	       "total %zu, %s", s.bytes_total, ename (e));
    }
  ROW ("T02: mmstats (detached descriptor): all 0, EINVAL")
    {
      void *md = mmalloc_attach (-1, NULL);
      struct mstats s;
      if (md == NULL || mmalloc_detach (md) != NULL)
	mmt_fatal ("%s: setup", cur_row);
      CALL (s, mmstats (md));
      verdict (s.bytes_total == 0 && s.chunks_used == 0 && e == EINVAL,
	       "total %zu, %s", s.bytes_total, ename (e));
    }

  ROW ("H01: mmalloc_check (foreign descriptor): -1, EINVAL")
    {
      int r;
      CALL (r, mmalloc_check (foreign));
      want_int (r, -1, EINVAL);
    }
  ROW ("H02: mmalloc_check (detached descriptor): -1, EINVAL")
    {
      void *md = mmalloc_attach (-1, NULL);
      int r;
      if (md == NULL || mmalloc_detach (md) != NULL)
	mmt_fatal ("%s: setup", cur_row);
      CALL (r, mmalloc_check (md));
      want_int (r, -1, EINVAL);
    }
  ROW ("H03: mmalloc_check_message (foreign descriptor): \"\" "
       "(unspecified)")
    {
      const char *m;
      CALL (m, mmalloc_check_message (foreign));
      verdict (m != NULL && m[0] == '\0', "%s", m == NULL ? "NULL" : m);
    }

  ROW ("Z01: mmtrace (MALLOC_TRACE unset): 1")
    {
      int r;
      unsetenv ("MALLOC_TRACE");
      CALL (r, mmtrace ());
      want_int (r, 1, -1);
    }
  ROW ("Z02: mmtrace (MALLOC_TRACE empty): 1")
    {
      int r;
      setenv ("MALLOC_TRACE", "", 1);
      CALL (r, mmtrace ());
      want_int (r, 1, -1);
    }
  ROW ("Z03: mmtrace (MALLOC_TRACE a directory): 1")
    {
      int r;
      setenv ("MALLOC_TRACE", n_dir, 1);
      CALL (r, mmtrace ());
      want_int (r, 1, -1);
    }
  ROW ("Z04: mmtrace (MALLOC_TRACE in a missing directory): 1")
    {
      int r;
      setenv ("MALLOC_TRACE", "/nonexistent-mmalloc-dir/trace", 1);
      CALL (r, mmtrace ());
      want_int (r, 1, -1);
    }
}

/* ------------------------------------------------------------------ */
/* qalloc: rows Q.  */

static void
rows_qalloc (void)
{
  static char zeroed[256];	/* looks like no descriptor at all */
  void *qs, *qd;

  ROW ("Q01: qalloc_makestatmap (NULL filename): NULL, EINVAL")
    {
      void *m;
      CALL (m, qalloc_makestatmap (QF, NULL, NULL, 24, 1));
      want_null (m, EINVAL);
    }
  ROW ("Q02: qalloc_makedynmap (NULL filename): NULL, EINVAL")
    {
      void *m;
      CALL (m, qalloc_makedynmap (QF, NULL, NULL, 1));
      want_null (m, EINVAL);
    }
  ROW ("Q03: qalloc_loadmap (NULL filename): NULL, EINVAL")
    {
      void *m;
      CALL (m, qalloc_loadmap (NULL));
      want_null (m, EINVAL);
    }
  ROW ("Q04: qalloc_loadmap (missing file): NULL, ENOENT")
    {
      void *m;
      CALL (m, qalloc_loadmap (n_missing));
      want_null (m, ENOENT);
    }
  ROW ("Q05: qalloc_makestatmap (empty filename): NULL, ENOENT")
    {
      void *m;
      CALL (m, qalloc_makestatmap (QF, NULL, "", 24, 1));
      want_null (m, ENOENT);
    }
  ROW ("Q06: qalloc_makestatmap (file in a missing directory): NULL, ENOENT")
    {
      void *m;
      CALL (m, qalloc_makestatmap (QF, NULL, "/nonexistent-mmalloc-dir/q",
				   24, 1));
      want_null (m, ENOENT);
    }
  ROW ("Q07: qalloc_loadmap (empty file): NULL, EINVAL")
    {
      void *m;
      CALL (m, qalloc_loadmap (n_empty));
      want_null (m, EINVAL);
    }
  ROW ("Q08: qalloc_loadmap (directory): NULL, EISDIR")
    {
      void *m;
      CALL (m, qalloc_loadmap (n_dir));
      want_null (m, EISDIR);
    }
  ROW ("Q09: qalloc_makestatmap (directory): NULL, EISDIR")
    {
      void *m;
      CALL (m, qalloc_makestatmap (QF, NULL, n_dir, 24, 1));
      want_null (m, EISDIR);
    }
  ROW ("Q10: qalloc_loadmap (FIFO): NULL, EINVAL, no hang")
    {
      void *m;
      CALL (m, qalloc_loadmap (n_fifo));
      want_null (m, EINVAL);
    }
  ROW ("Q11: qalloc_makestatmap (FIFO): NULL, EINVAL, no hang")
    {
      void *m;
      CALL (m, qalloc_makestatmap (QF, NULL, n_fifo, 24, 1));
      want_null (m, EINVAL);
    }
  ROW ("Q12: qalloc_loadmap (/dev/null): NULL, EINVAL")
    {
      void *m;
      CALL (m, qalloc_loadmap ("/dev/null"));
      want_null (m, EINVAL);
    }
  ROW ("Q13: qalloc_makedynmap (/dev/null): NULL, EINVAL")
    {
      void *m;
      CALL (m, qalloc_makedynmap (QF, NULL, "/dev/null", 1));
      want_null (m, EINVAL);
    }
  ROW ("Q14: qalloc_loadmap (text file): NULL, EINVAL")
    {
      void *m;
      CALL (m, qalloc_loadmap (n_text));
      want_null (m, EINVAL);
    }
  ROW ("Q15: qalloc_makestatmap (file of zeros): NULL, EINVAL, "
       "file unchanged")
    {
      void *m;
      CALL (m, qalloc_makestatmap (QF, NULL, n_zeros, 24, 1));
      verdict (m == NULL && e == EINVAL
	       && atu_fsize (atu_open (n_zeros, O_RDONLY)) == 8192, "%p, %s",
	       m, ename (e));
    }
  ROW ("Q16: qalloc_loadmap (mmalloc heap without a map): NULL, EINVAL")
    {
      void *m;
      CALL (m, qalloc_loadmap (n_sound));
      want_null (m, EINVAL);
    }
  ROW ("Q17: qalloc_loadmap (heap of a newer version): NULL, ENOTSUP")
    {
      void *m;
      CALL (m, qalloc_loadmap (n_vnew));
      want_null (m, ENOTSUP);
    }
  ROW ("Q18: qalloc_loadmap (heap of another word size): NULL, ENOTSUP")
    {
      void *m;
      CALL (m, qalloc_loadmap (n_word));
      want_null (m, ENOTSUP);
    }
  ROW ("Q19: qalloc_loadmap (heap file cut to half): NULL, EUCLEAN")
    {
      void *m;
      CALL (m, qalloc_loadmap (n_half));
      want_null (m, EUCLEAN);
    }
  ROW ("Q20: qalloc_makestatmap (filesize 0): NULL, EINVAL")
    {
      void *m;
      CALL (m, qalloc_makestatmap (0, NULL, n_nocreate, 24,
				   1));
      want_null (m, EINVAL);
    }
  ROW ("Q21: qalloc_makestatmap (filesize -1): NULL, EINVAL")
    {
      void *m;
      CALL (m, qalloc_makestatmap (-1, NULL, n_nocreate, 24,
				   1));
      want_null (m, EINVAL);
    }
  ROW ("Q22: qalloc_makedynmap (filesize INT64_MAX): NULL, EINVAL")
    {
      void *m;
      CALL (m, qalloc_makedynmap (INT64_MAX, NULL,
				  n_nocreate, 1));
      want_null (m, EINVAL);
    }
  ROW ("Q23: qalloc_makestatmap (itemsize 0): NULL, EINVAL")
    {
      void *m;
      CALL (m, qalloc_makestatmap (QF, NULL, n_nocreate, 0,
				   1));
      want_null (m, EINVAL);
    }
  ROW ("Q24: qalloc_makestatmap (itemsize above filesize): NULL, EINVAL")
    {
      void *m;
      CALL (m, qalloc_makestatmap (4096, NULL, n_nocreate,
				   4097, 1));
      want_null (m, EINVAL);
    }
  ROW ("Q25: qalloc_makestatmap (streams 0): NULL, EINVAL")
    {
      void *m;
      CALL (m, qalloc_makestatmap (QF, NULL, n_nocreate, 24,
				   0));
      want_null (m, EINVAL);
    }
  ROW ("Q26: qalloc_makedynmap (streams 65): NULL, EINVAL")
    {
      void *m;
      CALL (m, qalloc_makedynmap (QF, NULL, n_nocreate,
				  65));
      want_null (m, EINVAL);
    }
  ROW ("Q27: qalloc_makestatmap (addr not page-aligned): NULL, EINVAL")
    {
      void *m;
      CALL (m, qalloc_makestatmap (QF, (char *) qs_addr + 1,
				   n_nocreate, 24, 1));
      want_null (m, EINVAL);
    }
  ROW ("Q28: qalloc_makedynmap (existing static map): NULL, EINVAL")
    {
      void *m;
      CALL (m, qalloc_makedynmap (QF, NULL, n_qs2, 2));
      want_null (m, EINVAL);
    }
  ROW ("Q29: qalloc_makestatmap (existing map, other filesize): "
       "NULL, EINVAL")
    {
      void *m;
      CALL (m, qalloc_makestatmap (QF * 2, NULL, n_qs2, 24, 2));
      want_null (m, EINVAL);
    }
  ROW ("Q30: qalloc_makestatmap (existing map, other streams): NULL, EINVAL")
    {
      void *m;
      CALL (m, qalloc_makestatmap (QF, NULL, n_qs2, 24, 3));
      want_null (m, EINVAL);
    }
  ROW ("Q31: qalloc_makestatmap (existing map, other address): "
       "NULL, EINVAL")
    {
      void *m;
      CALL (m, qalloc_makestatmap (QF, (char *) qs_addr + 64 * pagesize,
				   n_qs2, 24, 2));
      want_null (m, EINVAL);
    }

  /* The maps of the allocation rows, loaded by the parent.  */
  qs = qalloc_loadmap (n_qs);
  qd = qalloc_loadmap (n_qd);
  if (qs == NULL || qd == NULL)
    mmt_fatal ("cannot load the qalloc maps: %s", strerror (errno));

  ROW ("Q32: qalloc_statmalloc (NULL map): NULL, EINVAL")
    {
      void *p;
      CALL (p, qalloc_statmalloc (NULL));
      want_null (p, EINVAL);
    }
  ROW ("Q33: qalloc_statmalloc (dynamic map): NULL, EINVAL")
    {
      void *p;
      CALL (p, qalloc_statmalloc ((mapinfo_t *) qd));
      want_null (p, EINVAL);
    }
  ROW ("Q34: qalloc_dynmalloc (NULL map): NULL, EINVAL")
    {
      void *p;
      CALL (p, qalloc_dynmalloc (NULL, 10));
      want_null (p, EINVAL);
    }
  ROW ("Q35: qalloc_dynmalloc (static map): NULL, EINVAL")
    {
      void *p;
      CALL (p, qalloc_dynmalloc ((dynmapinfo_t *) qs, 10));
      want_null (p, EINVAL);
    }
  ROW ("Q36: qalloc_dynmalloc (size SIZE_MAX): NULL, ENOMEM")
    {
      void *p;
      CALL (p, qalloc_dynmalloc ((dynmapinfo_t *) qd, huge));
      want_null (p, ENOMEM);
    }
  ROW ("Q37: qalloc_dynmalloc (size above the map's capacity): NULL, ENOMEM")
    {
      void *p;
      CALL (p, qalloc_dynmalloc ((dynmapinfo_t *) qd, (size_t) QF * 4));
      want_null (p, ENOMEM);
    }
  ROW ("Q38: qalloc_malloc (NULL map): NULL, EINVAL")
    {
      void *p;
      CALL (p, qalloc_malloc (NULL, 10));
      want_null (p, EINVAL);
    }
  ROW ("Q39: qalloc_malloc (memory that is no descriptor): NULL, EINVAL")
    {
      void *p;
      CALL (p, qalloc_malloc (zeroed, 10));
      want_null (p, EINVAL);
    }
  ROW ("Q40: qalloc_statfree (NULL block): nothing, errno unchanged")
    {
      CALLV (qalloc_statfree (NULL, (mapinfo_t *) qs));
      verdict (e == 0, "%s", ename (e));
    }
  ROW ("Q41: qalloc_statfree (NULL map): ignored, EINVAL")
    {
      void *p = qalloc_statmalloc ((mapinfo_t *) qs);
      CALLV (qalloc_statfree (p, NULL));
      verdict (p != NULL && e == EINVAL, "%s", ename (e));
    }
  ROW ("Q42: qalloc_statfree (dynamic map): ignored, EINVAL")
    {
      void *p = qalloc_statmalloc ((mapinfo_t *) qs);
      CALLV (qalloc_statfree (p, (mapinfo_t *) qd));
      verdict (p != NULL && e == EINVAL, "%s", ename (e));
    }
  ROW ("Q43: qalloc_statfree (foreign pointer): ignored, EINVAL")
    {
      CALLV (qalloc_statfree (foreign, (mapinfo_t *) qs));
      verdict (e == EINVAL, "%s", ename (e));
    }
  ROW ("Q44: qalloc_statfree (pointer inside an item): ignored, EINVAL")
    {
      char *p = qalloc_statmalloc ((mapinfo_t *) qs);
      CALLV (qalloc_statfree (p + 8, (mapinfo_t *) qs));
      verdict (p != NULL && e == EINVAL, "%s", ename (e));
    }
  ROW ("Q45: qalloc_statfree (item never handed out): ignored, EINVAL")
    {
      char *p = qalloc_statmalloc ((mapinfo_t *) qs);
      CALLV (qalloc_statfree (p + 24 * 1000, (mapinfo_t *) qs));
      verdict (p != NULL && e == EINVAL, "%s", ename (e));
    }
  ROW ("Q46: qalloc_dynfree (NULL map): ignored, EINVAL")
    {
      void *p = qalloc_dynmalloc ((dynmapinfo_t *) qd, 100);
      CALLV (qalloc_dynfree (p, NULL));
      verdict (p != NULL && e == EINVAL, "%s", ename (e));
    }
  ROW ("Q47: qalloc_dynfree (static map): ignored, EINVAL")
    {
      void *p = qalloc_dynmalloc ((dynmapinfo_t *) qd, 100);
      CALLV (qalloc_dynfree (p, (dynmapinfo_t *) qs));
      verdict (p != NULL && e == EINVAL, "%s", ename (e));
    }
  ROW ("Q48: qalloc_dynfree (foreign pointer): ignored, EINVAL")
    {
      CALLV (qalloc_dynfree (foreign, (dynmapinfo_t *) qd));
      verdict (e == EINVAL, "%s", ename (e));
    }
  ROW ("Q49: qalloc_dynfree (interior pointer): ignored, EINVAL")
    {
      char *p = qalloc_dynmalloc ((dynmapinfo_t *) qd, 100);
      CALLV (qalloc_dynfree (p + 16, (dynmapinfo_t *) qd));
      verdict (p != NULL && e == EINVAL, "%s", ename (e));
    }
  ROW ("Q50: qalloc_free (NULL map): ignored, EINVAL")
    {
      void *p = qalloc_statmalloc ((mapinfo_t *) qs);
      CALLV (qalloc_free (p, NULL));
      verdict (p != NULL && e == EINVAL, "%s", ename (e));
    }
  ROW ("Q51: qalloc_free (memory that is no descriptor): ignored, EINVAL")
    {
      void *p = qalloc_statmalloc ((mapinfo_t *) qs);
      CALLV (qalloc_free (p, zeroed));
      verdict (p != NULL && e == EINVAL, "%s", ename (e));
    }
  ROW ("Q52: qalloc_checkpoint (no map loaded): nothing, errno unchanged")
    {
      qalloc_cleanup ();
      CALLV (qalloc_checkpoint ());
      verdict (e == 0, "%s", ename (e));
    }
  ROW ("Q53: qalloc_cleanup (called twice): nothing, errno unchanged")
    {
      qalloc_cleanup ();
      CALLV (qalloc_cleanup ());
      verdict (e == 0, "%s", ename (e));
    }
}

int
main (void)
{
  setup ();
  rows_attach ();
  rows_detach ();
  rows_alloc ();
  rows_free ();
  rows_misc ();
  rows_check ();
  rows_qalloc ();
  teardown ();
  mmt_note ("%d rows", rows);
  mmt_exit ();
}
