/* mmheap.c -- the heap-file tool: look inside an mmalloc heap file, check
   it, repair it after a crash, and create new ones, without writing a
   program.  It is part of the project and reads the header layout from
   the engine's private header, so that `info' and `keys' work from a
   pread() of the header alone (even when the heap's base address is
   taken in this process, or the heap is damaged); everything that needs
   the heap mapped goes through the public API, attached read-only
   wherever the command only reads.  Exit statuses: 0 done, 1 the heap is
   unsound or dirty, 2 usage error, 3 the file cannot be opened or
   attached.
   Copyright (C) 2026 The mmalloc developers.  This file is part of
   mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "mmprivate.h"

/* Exit statuses, documented in mmheap(1) and the manual.  */
#define ST_OK		0	/* done; the heap is sound */
#define ST_UNSOUND	1	/* unsound, damaged, or dirty */
#define ST_USAGE	2	/* bad command line */
#define ST_NOACCESS	3	/* cannot open or attach the file */

/* Bytes a new heap needs at least: the header and segment 0's
   metadata.  */
#define MIN_HEAP_BYTES ((uint64_t) MM_META_PAGES << MM_PAGE_SHIFT)

static const char *progname = "mmheap";

/* ------------------------------------------------------------------ */
/* Messages.  Errors go to stderr as "mmheap: FILE: reason".  */

static void __attribute__ ((format (printf, 2, 3)))
error_at (const char *file, const char *fmt, ...)
{
  va_list ap;

  fflush (stdout);
  if (file != NULL)
    fprintf (stderr, "%s: %s: ", progname, file);
  else
    fprintf (stderr, "%s: ", progname);
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fputc ('\n', stderr);
}

static void __attribute__ ((noreturn, format (printf, 1, 2)))
usage_error (const char *fmt, ...)
{
  va_list ap;

  fprintf (stderr, "%s: ", progname);
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fprintf (stderr, "\nTry '%s --help' for more information.\n", progname);
  exit (ST_USAGE);
}

static void
print_help (void)
{
  printf ("\
Usage: %s COMMAND FILE [OPTION]...\n\
Inspect, check, repair or create an mmalloc heap file.\n\
\n\
Commands:\n\
  info FILE      show the header: format, base, sizes, state, keys, statistics\n\
  check FILE     check every invariant of the heap (exit 0 when sound)\n\
  repair FILE    repair a heap left dirty by a process that died\n\
  stats FILE     allocation statistics, with a census by size class\n\
  keys FILE      the application keys (persistent roots)\n\
  create FILE --size N [--base ADDR] [--streams N]\n\
                 make a new heap in FILE (which must not exist or be empty)\n\
\n\
Options:\n\
  --json         machine-readable output (info, stats, keys)\n\
  --size N       capacity of a new heap: the file never grows past N bytes;\n\
                 N takes a K, M, G or T suffix (powers of 1024)\n\
  --base ADDR    address of a new heap (page-aligned; default: chosen by\n\
                 mmalloc_attach, as for a null base)\n\
  --streams N    concurrency stripes of a new heap (1 to 64; default 4)\n\
  -h, --help     show this help and exit\n\
  -V, --version  show the version and exit\n\
\n\
Only `repair' and `create' write to FILE; the other commands open it\n\
read-only and attach the heap with MMALLOC_RDONLY when they need it mapped.\n\
\n\
Exit status:\n\
  0  done (for check and repair: the heap is sound)\n\
  1  the heap is unsound, its header is damaged, or (check) it is dirty:\n\
     left by a process that died\n\
  2  usage error\n\
  3  FILE cannot be opened or attached: missing, not an mmalloc heap, a heap\n\
     of another format, word size or byte order, base address taken, or\n\
     (repair) in use by other processes\n", progname);
}

/* ------------------------------------------------------------------ */
/* JSON output: a tiny emitter that keeps track of commas.  */

static int json_first[16];
static int json_depth;

static void
json_indent (void)
{
  int i;

  for (i = 0; i < json_depth; i++)
    fputs ("  ", stdout);
}

static void
json_string (const char *s)
{
  putchar ('"');
  for (; *s != '\0'; s++)
    {
      unsigned char c = (unsigned char) *s;
      if (c == '"' || c == '\\')
	printf ("\\%c", c);
      else if (c < 0x20)
	printf ("\\u%04x", c);
      else
	putchar (c);
    }
  putchar ('"');
}

/* Start a member (NAME, or an array element when NULL).  */
static void
json_member (const char *name)
{
  if (json_depth > 0)
    {
      if (!json_first[json_depth])
	putchar (',');
      putchar ('\n');
      json_first[json_depth] = 0;
      json_indent ();
    }
  if (name != NULL)
    {
      json_string (name);
      fputs (": ", stdout);
    }
}

static void
json_open (const char *name, char bracket)
{
  json_member (name);
  putchar (bracket);
  json_depth++;
  json_first[json_depth] = 1;
}

static void
json_close (char bracket)
{
  int empty = json_first[json_depth];

  json_depth--;
  if (!empty)
    {
      putchar ('\n');
      json_indent ();
    }
  putchar (bracket);
  if (json_depth == 0)
    putchar ('\n');
}

static void
json_u64 (const char *name, uint64_t v)
{
  json_member (name);
  printf ("%" PRIu64, v);
}

static void
json_str (const char *name, const char *v)
{
  json_member (name);
  json_string (v);
}

static void
json_bool (const char *name, int v)
{
  json_member (name);
  fputs (v ? "true" : "false", stdout);
}

static void
json_null (const char *name)
{
  json_member (name);
  fputs ("null", stdout);
}

/* Addresses are strings: JSON numbers lose precision past 2^53.  */
static void
json_addr (const char *name, uint64_t v)
{
  char buf[32];

  snprintf (buf, sizeof buf, "0x%" PRIx64, v);
  json_str (name, buf);
}

/* ------------------------------------------------------------------ */
/* Reading the header without mapping the heap.  */

enum hkind
{
  H_OURS,			/* a heap this build can attach */
  H_DAMAGED,			/* ours, but the header is inconsistent */
  H_NOT_HEAP,			/* no magic */
  H_FOREIGN			/* another format, word size, byte order... */
};

struct probe
{
  const char *file;
  int fd;
  struct stat st;
  struct mm_header h;		/* as read, zero past what was read */
  size_t got;
  enum hkind kind;
  char why[256];		/* what is wrong, for the non-OURS kinds */
};

static uint32_t
bswap32 (uint32_t v)
{
  return __builtin_bswap32 (v);
}

/* Classify the header in P, as the engine's attach would (and say
   why), so that a refusal names the real cause.  */
static void
classify (struct probe *p)
{
  const struct mm_header *h = &p->h;
  const unsigned char *raw = (const unsigned char *) h;
  uint64_t ps = (uint64_t) sysconf (_SC_PAGESIZE);

  p->kind = H_FOREIGN;
  if (p->got < MM_MAGIC_SIZE || memcmp (h->magic, MM_MAGIC, MM_MAGIC_SIZE))
    {
      p->kind = H_NOT_HEAP;
      snprintf (p->why, sizeof p->why,
		"not an mmalloc heap (no \"mmalloc\" magic at offset 0)");
      return;
    }
  if (p->got < offsetof (struct mm_header, base))
    {
      p->kind = H_DAMAGED;
      snprintf (p->why, sizeof p->why,
		"truncated: only %zu bytes of header", p->got);
      return;
    }
  if (h->version != MM_VERSION)
    {
      /* GNU mmalloc: a 32-bit header size at offset 8 and a version
	 byte of 0 or 1 at offset 12.  */
      if (raw[12] <= 1 && h->version >= 64 && h->version < 65536)
	snprintf (p->why, sizeof p->why,
		  "a GNU mmalloc heap (format version %u, header of %u "
		  "bytes), which this mmalloc does not read",
		  raw[12], h->version);
      else if (bswap32 (h->version) == MM_VERSION)
	snprintf (p->why, sizeof p->why,
		  "an mmalloc heap written with the other byte order");
      else
	snprintf (p->why, sizeof p->why,
		  "an mmalloc heap of unknown format version %u "
		  "(this mmalloc reads version %u)", h->version, MM_VERSION);
      return;
    }
  if (h->endian != MM_ENDIAN_TAG)
    {
      snprintf (p->why, sizeof p->why,
		bswap32 (h->endian) == MM_ENDIAN_TAG
		? "an mmalloc heap written with the other byte order"
		: "an mmalloc heap with a bad byte-order mark");
      return;
    }
  if (h->word_size != sizeof (void *))
    {
      snprintf (p->why, sizeof p->why,
		"an mmalloc heap of a %u-bit host (this tool is %zu-bit)",
		8u * h->word_size, 8 * sizeof (void *));
      return;
    }
  if (h->header_size != sizeof (struct mm_header))
    {
      snprintf (p->why, sizeof p->why,
		"an mmalloc heap with a %u-byte header (this build's is %zu "
		"bytes: another C library or build)", h->header_size,
		sizeof (struct mm_header));
      return;
    }
  if (h->page_shift != MM_PAGE_SHIFT || h->seg_shift != MM_SEG_SHIFT
      || h->nclasses != MM_NCLASSES)
    {
      snprintf (p->why, sizeof p->why,
		"an mmalloc heap of another geometry (pages 2^%u, segments "
		"2^%u, %u size classes)", h->page_shift, h->seg_shift,
		h->nclasses);
      return;
    }
  p->kind = H_DAMAGED;
  if (p->got < sizeof *h)
    snprintf (p->why, sizeof p->why, "truncated: only %zu bytes of header",
	      p->got);
  else if (h->base == 0 || h->base % ps != 0)
    snprintf (p->why, sizeof p->why,
	      "damaged header: base 0x%" PRIx64 " is not page-aligned",
	      h->base);
  else if ((uint64_t) p->st.st_size < h->mapped)
    snprintf (p->why, sizeof p->why,
	      "truncated: the header says %" PRIu64 " bytes are in use, "
	      "the file has %jd", h->mapped, (intmax_t) p->st.st_size);
  else if (h->mapped < MIN_HEAP_BYTES || h->mapped % ps != 0
	   || h->mapped > h->capacity || h->top < MIN_HEAP_BYTES
	   || h->top % MM_PAGE != 0 || h->top > h->mapped
	   || h->hwm < h->top || h->hwm > h->mapped
	   || h->capacity > MM_MAX_REGION
	   || h->base + h->capacity < h->base)
    snprintf (p->why, sizeof p->why,
	      "damaged header: sizes out of order (top %" PRIu64
	      ", mapped %" PRIu64 ", capacity %" PRIu64 ")",
	      h->top, h->mapped, h->capacity);
  else if (h->streams == 0 || h->streams > 64)
    snprintf (p->why, sizeof p->why, "damaged header: %u streams",
	      h->streams);
  else if (h->state > MM_STATE_DIRTY)
    snprintf (p->why, sizeof p->why, "damaged header: state %u",
	      h->state);
#ifdef MM_JOURNAL_ENTRIES
  else if (h->jlen > MM_JOURNAL_ENTRIES)
    snprintf (p->why, sizeof p->why,
	      "damaged header: %u journal entries pending", h->jlen);
#endif
  else
    p->kind = H_OURS;
}

/* Open FILE with FLAGS and read its header into P.  Returns 0, or an
   exit status after printing why FILE cannot be used at all.  */
static int
probe_file (const char *file, int flags, struct probe *p)
{
  ssize_t got;

  memset (p, 0, sizeof *p);
  p->file = file;
  p->fd = open (file, flags | O_CLOEXEC);
  if (p->fd < 0)
    {
      error_at (file, "cannot open: %s", strerror (errno));
      return ST_NOACCESS;
    }
  if (fstat (p->fd, &p->st) != 0)
    {
      error_at (file, "cannot stat: %s", strerror (errno));
      return ST_NOACCESS;
    }
  if (!S_ISREG (p->st.st_mode))
    {
      error_at (file, "not a regular file, so not a heap file");
      return ST_NOACCESS;
    }
  if (p->st.st_size == 0)
    {
      error_at (file, "empty file: not a heap (attaching it would make a "
		"new heap)");
      return ST_NOACCESS;
    }
  got = pread (p->fd, &p->h, sizeof p->h, 0);
  if (got < 0)
    {
      error_at (file, "cannot read: %s", strerror (errno));
      return ST_NOACCESS;
    }
  p->got = (size_t) got;
  classify (p);
  if (p->kind == H_NOT_HEAP || p->kind == H_FOREIGN)
    {
      error_at (file, "%s", p->why);
      return ST_NOACCESS;
    }
  return 0;
}

/* ------------------------------------------------------------------ */
/* Who is attached.  Every process attached to a heap file holds an
   open-file-description read lock on byte 1 of the file; a write lock
   there is refused while any does.  */

/* 1 when some process is attached to P's file now, 0 when none is, -1
   when this system cannot tell.  *COUNT gets the number of attached
   processes when /proc/locks tells it, else -1.  */
static int
attached_now (const struct probe *p, long *count)
{
#ifdef F_OFD_GETLK
  struct flock fl;
  FILE *f;
  char line[256];
  long n = 0;

  *count = -1;
  memset (&fl, 0, sizeof fl);
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  fl.l_start = 1;
  fl.l_len = 1;
  if (fcntl (p->fd, F_OFD_GETLK, &fl) != 0)
    return -1;
  if (fl.l_type == F_UNLCK)
    {
      *count = 0;
      return 0;
    }
  /* How many: the OFD read locks on byte 1 of this inode.  Each attach
     holds one (a forked child shares its parent's).  */
  f = fopen ("/proc/locks", "r");
  if (f != NULL)
    {
      while (fgets (line, sizeof line, f) != NULL)
	{
	  char kind[16], type[16], end[24];
	  unsigned int maj, min;
	  unsigned long ino;
	  long long start;
	  long pid;

	  if (sscanf (line, "%*d: %15s %*s %15s %ld %x:%x:%lu %lld %23s",
		      kind, type, &pid, &maj, &min, &ino, &start, end) == 8
	      && strcmp (kind, "OFDLCK") == 0 && strcmp (type, "READ") == 0
	      && ino == (unsigned long) p->st.st_ino
	      && maj == major (p->st.st_dev) && min == minor (p->st.st_dev)
	      && start == 1 && strcmp (end, "1") == 0)
	    n++;
	}
      fclose (f);
      if (n > 0)
	*count = n;
    }
  return 1;
#else
  (void) p;
  *count = -1;
  return -1;
#endif
}

/* A description of who is attached, for messages.  */
static const char *
attached_text (int live, long count, char *buf, size_t size)
{
  if (live < 0)
    snprintf (buf, size, "unknown (this system cannot tell)");
  else if (live == 0)
    snprintf (buf, size, "none");
  else if (count > 0)
    snprintf (buf, size, "%ld process%s", count, count == 1 ? "" : "es");
  else
    snprintf (buf, size, "at least one process");
  return buf;
}

/* ------------------------------------------------------------------ */
/* Attaching.  */

static void
attach_error (const struct probe *p, int err)
{
  switch (err)
    {
    case EEXIST:
      error_at (p->file, "cannot attach: its base address 0x%" PRIx64
		" is already in use in this process (%s); `info' and "
		"`keys' still work", p->h.base, strerror (err));
      break;
    case ENOMEM:
      error_at (p->file, "cannot attach: no room for %" PRIu64 " bytes at "
		"0x%" PRIx64 " (%s)", p->h.mapped, p->h.base, strerror (err));
      break;
    case EUCLEAN:
      error_at (p->file, "cannot attach: the heap is damaged (%s)",
		strerror (err));
      break;
    default:
      error_at (p->file, "cannot attach: %s", strerror (err));
      break;
    }
}

/* Attach P's heap read-only.  NULL (after a message) on failure.  */
static void *
attach_ro (const struct probe *p)
{
  struct mmalloc_options o;
  void *md;

  memset (&o, 0, sizeof o);
  o.size = sizeof o;
  o.flags = MMALLOC_RDONLY;
  md = mmalloc_attach_opts (p->fd, NULL, &o);
  if (md == NULL)
    attach_error (p, errno);
  return md;
}

/* The status for a failed attach: a damaged heap is unsound, anything
   else is "cannot attach".  */
static int
attach_status (int err)
{
  return err == EUCLEAN ? ST_UNSOUND : ST_NOACCESS;
}

/* Reading a mapped heap that another process shrinks or damages under
   us must not kill the tool with a bare signal: report it instead.  */
static sigjmp_buf guard_jmp;
static volatile sig_atomic_t guard_on;

static void
guard_handler (int sig)
{
  if (guard_on)
    siglongjmp (guard_jmp, sig);
  signal (sig, SIG_DFL);
  raise (sig);
}

static void
guard_install (void)
{
  struct sigaction sa;

  memset (&sa, 0, sizeof sa);
  sa.sa_handler = guard_handler;
  sigemptyset (&sa.sa_mask);
  sigaction (SIGSEGV, &sa, NULL);
  sigaction (SIGBUS, &sa, NULL);
}

/* Run mmalloc_check on MD under the guard.  0 sound, -1 unsound (MSG
   set), -2 the heap faulted while being read.  */
static int
guarded_check (void *md, char *msg, size_t size)
{
  int rc;

  msg[0] = '\0';
  if (sigsetjmp (guard_jmp, 1) != 0)
    {
      guard_on = 0;
      snprintf (msg, size, "the heap faulted while being read (changed "
		"by another process, or damaged)");
      return -2;
    }
  guard_on = 1;
  rc = mmalloc_check (md);
  guard_on = 0;
  if (rc != 0)
    snprintf (msg, size, "%s", *mmalloc_check_message (md) != '\0'
	      ? mmalloc_check_message (md) : strerror (errno));
  return rc == 0 ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* Figures.  */

static const char *
human (uint64_t n, char *buf, size_t size)
{
  static const char units[] = "KMGTPE";
  double v = (double) n;
  int u = -1;

  while (v >= 1024 && u < 5)
    {
      v /= 1024;
      u++;
    }
  if (u < 0)
    snprintf (buf, size, "%" PRIu64 " bytes", n);
  else
    snprintf (buf, size, "%" PRIu64 " bytes (%.1f %ciB)", n, v, units[u]);
  return buf;
}

/* mmstats' figures computed from a header (a file heap has no thread
   caches, so they are exactly what mmstats returns).  */
static struct mstats
header_stats (const struct mm_header *h)
{
  struct mstats s;

  s.bytes_total = (size_t) h->top;
  s.chunks_used = (size_t) (h->small_used + h->large_used);
  s.bytes_used = (size_t) (h->small_used_bytes + h->large_bytes);
  s.chunks_free = (size_t) (h->free_runs + (h->small_slots - h->small_used));
  s.bytes_free = (size_t) ((h->free_pages << MM_PAGE_SHIFT)
			   + (h->small_bytes - h->small_used_bytes));
  return s;
}

static void
flags_text (uint32_t flags, char *buf, size_t size)
{
  static const struct { uint32_t bit; const char *name; } names[] = {
    { MM_H_ANON, "anonymous" }, { MM_H_DEFAULT, "default" },
    { MM_H_USED, "used" }, { MM_H_CHECKED, "checked" } };
  size_t i, len = 0;

  buf[0] = '\0';
  for (i = 0; i < sizeof names / sizeof names[0]; i++)
    if (flags & names[i].bit)
      {
	len += (size_t) snprintf (buf + len, size - len, "%s%s",
				  len ? " " : "", names[i].name);
	flags &= ~names[i].bit;
	if (len >= size)
	  return;
      }
  if (flags != 0 && len < size)
    len += (size_t) snprintf (buf + len, size - len, "%s0x%x",
			      len ? " " : "", flags);
  if (len == 0)
    snprintf (buf, size, "none");
}

static void
json_flags (uint32_t flags)
{
  json_open ("flags", '[');
  if (flags & MM_H_ANON)
    json_str (NULL, "anonymous");
  if (flags & MM_H_DEFAULT)
    json_str (NULL, "default");
  if (flags & MM_H_USED)
    json_str (NULL, "used");
  if (flags & MM_H_CHECKED)
    json_str (NULL, "checked");
  json_close (']');
}

static int
key_inside (const struct mm_header *h, uint64_t v)
{
  return v >= h->base && v - h->base < h->top;
}

static void
json_keys (const struct mm_header *h)
{
  int k;

  json_open ("keys", '[');
  for (k = 0; k < MMALLOC_KEYS; k++)
    if (h->keys[k] != 0)
      {
	json_open (NULL, '{');
	json_u64 ("key", (uint64_t) k);
	json_addr ("value", h->keys[k]);
	json_bool ("inside_heap", key_inside (h, h->keys[k]));
	json_close ('}');
      }
  json_close (']');
}

static void
text_keys (const struct mm_header *h, const char *indent)
{
  int k, n = 0;

  for (k = 0; k < MMALLOC_KEYS; k++)
    if (h->keys[k] != 0)
      {
	printf ("%skey %2d: 0x%" PRIx64 "%s\n", indent, k, h->keys[k],
		key_inside (h, h->keys[k]) ? "" : " (outside the heap)");
	n++;
      }
  if (n == 0)
    printf ("%sno keys set\n", indent);
}

/* The state of P's heap, in words, and whether it is "abandoned":
   dirty with nobody attached.  */
static const char *
state_text (const struct probe *p, int live)
{
  if (p->h.state == MM_STATE_CLEAN)
    return "clean";
  if (live == 0)
    return "dirty: left by a process that died";
  if (live > 0)
    return "dirty: in use";
  return "dirty: in use, or left by a process that died";
}

static uint32_t
pending_journal (const struct mm_header *h)
{
#ifdef MM_JOURNAL_ENTRIES
  return h->jlen;
#else
  (void) h;
  return 0;
#endif
}

/* ------------------------------------------------------------------ */
/* info */

static int
cmd_info (const char *file, int json)
{
  struct probe p;
  const struct mm_header *h = &p.h;
  struct mstats s;
  char b1[64], b2[64], live_buf[64], fl[128];
  long count;
  int live, st;

  if ((st = probe_file (file, O_RDONLY, &p)) != 0)
    return st;
  if (p.kind == H_DAMAGED)
    error_at (file, "%s; what follows is the header as read", p.why);
  live = attached_now (&p, &count);
  s = header_stats (h);
  if (json)
    {
      json_open (NULL, '{');
      json_str ("file", file);
      json_bool ("header_sound", p.kind == H_OURS);
      if (p.kind != H_OURS)
	json_str ("header_problem", p.why);
      json_u64 ("format_version", h->version);
      json_u64 ("word_size", h->word_size);
      json_str ("byte_order",
		*(const unsigned char *) &h->endian == 0x04 ? "little-endian"
		: "big-endian");
      json_u64 ("header_size", h->header_size);
      json_addr ("base", h->base);
      json_u64 ("mapped", h->mapped);
      json_u64 ("file_size", (uint64_t) p.st.st_size);
      json_u64 ("capacity", h->capacity);
      json_u64 ("top", h->top);
      json_u64 ("high_water", h->hwm);
      json_u64 ("streams", h->streams);
      json_str ("state", h->state == MM_STATE_CLEAN ? "clean" : "dirty");
      json_bool ("abandoned", h->state != MM_STATE_CLEAN && live == 0);
      json_u64 ("nattached_recorded", h->nattached);
      /* null where this system cannot tell.  */
      if (live < 0)
	json_null ("in_use");
      else
	json_bool ("in_use", live > 0);
      if (live == 0 || count > 0)
	json_u64 ("attached_now", live == 0 ? 0 : (uint64_t) count);
      else
	json_null ("attached_now");
#ifdef MM_JOURNAL_ENTRIES
      json_u64 ("journal_pending", h->jlen);
      json_u64 ("recoveries", h->recoveries);
#endif
      json_flags (h->flags);
      json_keys (h);
      json_addr ("facade_root", h->root);
      json_open ("statistics", '{');
      json_u64 ("bytes_total", s.bytes_total);
      json_u64 ("chunks_used", s.chunks_used);
      json_u64 ("bytes_used", s.bytes_used);
      json_u64 ("chunks_free", s.chunks_free);
      json_u64 ("bytes_free", s.bytes_free);
      json_close ('}');
      json_close ('}');
    }
  else
    {
      flags_text (h->flags, fl, sizeof fl);
      printf ("file:            %s\n", file);
      printf ("format version:  %u\n", h->version);
      printf ("word size:       %u bits\n", 8u * h->word_size);
      printf ("byte order:      %s\n",
	      *(const unsigned char *) &h->endian == 0x04 ? "little-endian"
	      : "big-endian");
      printf ("header size:     %u bytes\n", h->header_size);
      printf ("base:            0x%" PRIx64 "\n", h->base);
      printf ("mapped:          %s\n", human (h->mapped, b1, sizeof b1));
      printf ("file size:       %s\n",
	      human ((uint64_t) p.st.st_size, b2, sizeof b2));
      printf ("capacity:        %s\n", human (h->capacity, b1, sizeof b1));
      printf ("carved (top):    %s\n", human (h->top, b2, sizeof b2));
      printf ("streams:         %u\n", h->streams);
      printf ("state:           %s\n", state_text (&p, live));
      printf ("attached:        %s now; %u recorded in the header\n",
	      attached_text (live, count, live_buf, sizeof live_buf),
	      h->nattached);
#ifdef MM_JOURNAL_ENTRIES
      if (h->jlen != 0)
	printf ("interrupted:     an operation was interrupted; %u undo "
		"entries pending\n", h->jlen);
      printf ("recoveries:      %u\n", h->recoveries);
#endif
      printf ("flags:           %s\n", fl);
      printf ("keys:\n");
      text_keys (h, "  ");
      if (h->root != 0)
	printf ("qalloc root:     0x%" PRIx64 "\n", h->root);
      printf ("statistics:\n");
      printf ("  bytes total:   %zu\n", s.bytes_total);
      printf ("  chunks used:   %zu\n", s.chunks_used);
      printf ("  bytes used:    %zu\n", s.bytes_used);
      printf ("  chunks free:   %zu\n", s.chunks_free);
      printf ("  bytes free:    %zu\n", s.bytes_free);
    }
  close (p.fd);
  return p.kind == H_OURS ? ST_OK : ST_UNSOUND;
}

/* ------------------------------------------------------------------ */
/* keys */

static int
cmd_keys (const char *file, int json)
{
  struct probe p;
  int st;

  if ((st = probe_file (file, O_RDONLY, &p)) != 0)
    return st;
  if (p.kind == H_DAMAGED)
    error_at (file, "%s; the keys are shown as read", p.why);
  if (json)
    {
      json_open (NULL, '{');
      json_str ("file", file);
      json_addr ("base", p.h.base);
      json_keys (&p.h);
      json_close ('}');
    }
  else
    text_keys (&p.h, "");
  close (p.fd);
  return p.kind == H_OURS ? ST_OK : ST_UNSOUND;
}

/* ------------------------------------------------------------------ */
/* check */

static int
cmd_check (const char *file)
{
  struct probe p;
  char msg[256], live_buf[64];
  long count;
  int live, st, rc, status = ST_OK;
  uint32_t pending;
  void *md;

  if ((st = probe_file (file, O_RDONLY, &p)) != 0)
    return st;
  if (p.kind == H_DAMAGED)
    {
      printf ("%s: unsound: %s\n", file, p.why);
      close (p.fd);
      return ST_UNSOUND;
    }
  /* Before attaching: our own attach would show up as a lock.  */
  live = attached_now (&p, &count);
  pending = pending_journal (&p.h);
  if (p.h.state != MM_STATE_CLEAN && live == 0)
    {
      printf ("%s: dirty: left by a process that died; run %s repair\n",
	      file, progname);
      status = ST_UNSOUND;
    }
  if (pending != 0)
    printf ("%s: an operation was interrupted: %u undo entries pending\n",
	    file, pending);
  md = attach_ro (&p);
  if (md == NULL)
    {
      st = attach_status (errno);
      close (p.fd);
      return status != ST_OK ? status : st;
    }
  rc = guarded_check (md, msg, sizeof msg);
  if (rc == 0)
    printf ("%s: sound\n", file);
  else
    {
      printf ("%s: unsound: %s\n", file, msg);
      status = ST_UNSOUND;
    }
  if (live > 0)
    printf ("%s: in use by %s: the check saw the heap as it was at one "
	    "moment, without its lock\n", file,
	    attached_text (live, count, live_buf, sizeof live_buf));
  if (rc != -2)
    mmalloc_detach (md);
  close (p.fd);
  return status;
}

/* ------------------------------------------------------------------ */
/* repair */

static int
cmd_repair (const char *file)
{
  struct probe p;
  struct mm_header after;
  char msg[256], live_buf[64];
  long count;
  int live, st, rc, status = ST_OK, was_dirty;
  uint32_t pending;
  void *md;

  if ((st = probe_file (file, O_RDWR, &p)) != 0)
    return st;
  if (p.kind == H_DAMAGED)
    {
      printf ("%s: cannot repair: %s\n", file, p.why);
      close (p.fd);
      return ST_UNSOUND;
    }
  live = attached_now (&p, &count);
  if (live > 0)
    {
      error_at (file, "in use by %s: repair only works on a heap nobody "
		"is attached to", attached_text (live, count, live_buf,
						   sizeof live_buf));
      close (p.fd);
      return ST_NOACCESS;
    }
  pending = pending_journal (&p.h);
  was_dirty = p.h.state != MM_STATE_CLEAN || pending != 0;

  /* A read-write attach of a heap nobody else is attached to is what
     repairs it: the engine undoes the interrupted operation and resets
     the attach count.  */
  md = mmalloc_attach (p.fd, NULL);
  if (md == NULL)
    {
      st = errno;
      attach_error (&p, st);
      close (p.fd);
      return attach_status (st);
    }
  rc = guarded_check (md, msg, sizeof msg);
  if (rc != -2 && mmalloc_detach (md) != NULL)
    {
      error_at (file, "cannot detach: %s", strerror (errno));
      status = ST_NOACCESS;
    }

  memset (&after, 0, sizeof after);
  if (pread (p.fd, &after, sizeof after, 0) != (ssize_t) sizeof after)
    {
      error_at (file, "cannot read the header again: %s",
		strerror (errno));
      close (p.fd);
      return ST_NOACCESS;
    }
  if (!was_dirty)
    printf ("%s: was clean: nothing to do\n", file);
  else if (after.state == MM_STATE_CLEAN && pending_journal (&after) == 0)
    {
      if (pending != 0)
	printf ("%s: repaired: undid an interrupted operation (%u undo "
		"entries)\n", file, pending);
      else
	printf ("%s: repaired: cleared the attachments of %u process%s "
		"that died\n", file, p.h.nattached,
		p.h.nattached == 1 ? "" : "es");
    }
  else
    {
      printf ("%s: not repaired: the heap is still dirty after attaching "
	      "it alone\n", file);
      status = ST_UNSOUND;
    }
#ifdef MM_JOURNAL_ENTRIES
  if (after.recoveries != p.h.recoveries)
    printf ("%s: recoveries so far: %u\n", file, after.recoveries);
#endif
  if (rc == 0)
    printf ("%s: sound\n", file);
  else
    {
      printf ("%s: unsound: %s\n", file, msg);
      status = ST_UNSOUND;
    }
  close (p.fd);
  return status;
}

/* ------------------------------------------------------------------ */
/* stats */

struct census
{
  uint64_t runs[MM_NCLASSES], live[MM_NCLASSES], slots[MM_NCLASSES];
  uint64_t large, huge, free_runs, largest_free;
};

/* Walk the runs of a sound heap MD (checked by mmalloc_check first, so
   every descriptor followed is known good).  */
static void
take_census (void *md, struct census *c)
{
  struct mm_heap hh;
  uint32_t top, nsegs, seg;

  memset (c, 0, sizeof *c);
  memset (&hh, 0, sizeof hh);
  hh.base = md;
  hh.hdr = md;
  top = mmi_top_page (&hh);
  nsegs = (top + MM_SEG_PAGES - 1) / MM_SEG_PAGES;
  for (seg = 0; seg < nsegs;)
    {
      uint32_t page = seg * MM_SEG_PAGES + MM_META_PAGES;
      uint32_t end = (seg + 1) * MM_SEG_PAGES;
      uint32_t next = seg + 1;

      if (!mmi_seg_owned (&hh, seg))
	{
	  seg++;
	  continue;
	}
      if (end > top)
	end = top;
      while (page < end)
	{
	  struct mm_page *d = mmi_desc (&hh, page);
	  uint32_t n = d->npages;

	  if (d->kind == MM_K_LARGE && n > MM_SEG_DATA_PAGES)
	    {
	      c->huge++;
	      next = (uint32_t) (((uint64_t) page + n - 1) / MM_SEG_PAGES + 1);
	      break;
	    }
	  if (n == 0)
	    break;		/* cannot happen in a checked heap */
	  switch (d->kind)
	    {
	    case MM_K_SMALL:
	      if (d->cls < MM_NCLASSES)
		{
		  c->runs[d->cls]++;
		  c->live[d->cls] += d->nused;
		  c->slots[d->cls] += mmi_run_capacity (d->cls)
		    / mmi_class_size[d->cls];
		}
	      break;
	    case MM_K_LARGE:
	      c->large++;
	      break;
	    case MM_K_FREE:
	      c->free_runs++;
	      if (n > c->largest_free)
		c->largest_free = n;
	      break;
	    default:
	      break;
	    }
	  page += n;
	}
      seg = next;
    }
}

static int
cmd_stats (const char *file, int json)
{
  struct probe p;
  struct mstats s;
  struct census c;
  const struct mm_header *h;
  char msg[256], b1[64];
  int st, rc, k;
  void *md;

  if ((st = probe_file (file, O_RDONLY, &p)) != 0)
    return st;
  md = attach_ro (&p);
  if (md == NULL)
    {
      st = attach_status (errno);
      close (p.fd);
      return st;
    }
  h = md;
  s = mmstats (md);
  rc = guarded_check (md, msg, sizeof msg);
  if (rc == 0)
    {
      if (sigsetjmp (guard_jmp, 1) != 0)
	{
	  guard_on = 0;
	  rc = -2;
	  snprintf (msg, sizeof msg, "the heap faulted while being read");
	}
      else
	{
	  guard_on = 1;
	  take_census (md, &c);
	  guard_on = 0;
	}
    }
  if (rc != 0)
    error_at (file, "unsound (%s): no census by size class", msg);

  if (json)
    {
      json_open (NULL, '{');
      json_str ("file", file);
      json_open ("mstats", '{');
      json_u64 ("bytes_total", s.bytes_total);
      json_u64 ("chunks_used", s.chunks_used);
      json_u64 ("bytes_used", s.bytes_used);
      json_u64 ("chunks_free", s.chunks_free);
      json_u64 ("bytes_free", s.bytes_free);
      json_close ('}');
      json_u64 ("mapped", h->mapped);
      json_u64 ("capacity", h->capacity);
      json_u64 ("top", h->top);
      json_u64 ("small_used", h->small_used);
      json_u64 ("small_used_bytes", h->small_used_bytes);
      json_u64 ("small_slots", h->small_slots);
      json_u64 ("small_slot_bytes", h->small_bytes);
      json_u64 ("large_used", h->large_used);
      json_u64 ("large_bytes", h->large_bytes);
      json_u64 ("free_runs", h->free_runs);
      json_u64 ("free_pages", h->free_pages);
      json_bool ("sound", rc == 0);
      if (rc == 0)
	{
	  json_u64 ("huge_blocks", c.huge);
	  json_u64 ("largest_free_run_pages", c.largest_free);
	  json_open ("classes", '[');
	  for (k = 0; k < MM_NCLASSES; k++)
	    if (c.runs[k] != 0)
	      {
		json_open (NULL, '{');
		json_u64 ("size", mmi_class_size[k]);
		json_u64 ("runs", c.runs[k]);
		json_u64 ("live", c.live[k]);
		json_u64 ("slots", c.slots[k]);
		json_close ('}');
	      }
	  json_close (']');
	}
      else
	json_str ("problem", msg);
      json_close ('}');
    }
  else
    {
      printf ("file:              %s\n", file);
      printf ("bytes total:       %zu\n", s.bytes_total);
      printf ("chunks used:       %zu\n", s.chunks_used);
      printf ("bytes used:        %zu\n", s.bytes_used);
      printf ("chunks free:       %zu\n", s.chunks_free);
      printf ("bytes free:        %zu\n", s.bytes_free);
      printf ("mapped:            %s\n", human (h->mapped, b1, sizeof b1));
      printf ("capacity:          %s\n", human (h->capacity, b1, sizeof b1));
      printf ("small blocks:      %" PRIu64 " live (%" PRIu64 " bytes) in %"
	      PRIu64 " slots (%" PRIu64 " bytes)\n", h->small_used,
	      h->small_used_bytes, h->small_slots, h->small_bytes);
      printf ("large blocks:      %" PRIu64 " (%" PRIu64 " bytes)\n",
	      h->large_used, h->large_bytes);
      printf ("free runs:         %" PRIu64 " (%" PRIu64 " pages)\n",
	      h->free_runs, h->free_pages);
      if (h->top > 0)
	printf ("utilization:       %.1f%% of the carved region in use\n",
		100.0 * (double) s.bytes_used / (double) h->top);
      if (rc == 0)
	{
	  printf ("huge blocks:       %" PRIu64 "\n", c.huge);
	  printf ("largest free run:  %" PRIu64 " pages\n", c.largest_free);
	  printf ("by size class:\n");
	  printf ("  %8s %8s %10s %10s\n", "size", "runs", "live", "slots");
	  for (k = 0; k < MM_NCLASSES; k++)
	    if (c.runs[k] != 0)
	      printf ("  %8u %8" PRIu64 " %10" PRIu64 " %10" PRIu64 "\n",
		      mmi_class_size[k], c.runs[k], c.live[k], c.slots[k]);
	}
    }
  if (rc != -2)
    mmalloc_detach (md);
  close (p.fd);
  return rc == 0 ? ST_OK : ST_UNSOUND;
}

/* ------------------------------------------------------------------ */
/* create */

/* Parse a size with an optional K, M, G or T suffix.  0 on success.  */
static int
parse_size (const char *s, uint64_t *out)
{
  char *end;
  unsigned long long v;
  unsigned int shift = 0;

  if (*s < '0' || *s > '9')
    return -1;
  errno = 0;
  v = strtoull (s, &end, 10);
  if (errno != 0)
    return -1;
  switch (*end)
    {
    case '\0': break;
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    case 't': case 'T': shift = 40; end++; break;
    default: return -1;
    }
  if (*end != '\0' || (shift != 0 && v > (UINT64_MAX >> shift)))
    return -1;
  *out = (uint64_t) v << shift;
  return 0;
}

static int
cmd_create (const char *file, const char *size_arg, const char *base_arg,
	    const char *streams_arg)
{
  struct mmalloc_options o;
  uint64_t size, base = 0, ps = (uint64_t) sysconf (_SC_PAGESIZE);
  char b1[64];
  int fd, created = 1, err;
  void *md;

  memset (&o, 0, sizeof o);
  o.size = sizeof o;
  o.flags = MMALLOC_EXCL;
  if (size_arg == NULL)
    usage_error ("create needs --size N");
  if (parse_size (size_arg, &size) != 0)
    usage_error ("invalid size '%s' (a number with an optional K, M, G or "
		 "T suffix)", size_arg);
  if (size < MIN_HEAP_BYTES || size > MM_MAX_REGION
      || size > (uint64_t) SIZE_MAX / 2 + 1)
    usage_error ("--size %s: a heap spans %" PRIu64 "K to %" PRIu64 "G",
		 size_arg, MIN_HEAP_BYTES >> 10,
		 (MM_MAX_REGION < SIZE_MAX / 2 ? MM_MAX_REGION
		  : (uint64_t) SIZE_MAX / 2 + 1) >> 30);
  o.capacity = (size_t) size;
  if (base_arg != NULL)
    {
      char *end;
      errno = 0;
      base = strtoull (base_arg, &end, 0);
      if (errno != 0 || *end != '\0' || base_arg[0] == '-' || base == 0
	  || base > UINTPTR_MAX)
	usage_error ("invalid base address '%s'", base_arg);
      if (base % ps != 0)
	usage_error ("--base %s is not a multiple of the page size (%" PRIu64
		     ")", base_arg, ps);
    }
  if (streams_arg != NULL)
    {
      char *end;
      unsigned long v = strtoul (streams_arg, &end, 10);
      if (*end != '\0' || streams_arg[0] == '\0' || v < 1 || v > 64)
	usage_error ("--streams must be a number from 1 to 64");
      o.streams = (unsigned int) v;
    }

  fd = open (file, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0 && errno == EEXIST)
    {
      /* An existing empty file may become a heap; MMALLOC_EXCL refuses
	 anything else, and we never remove what we did not create.  */
      created = 0;
      fd = open (file, O_RDWR | O_CLOEXEC);
    }
  if (fd < 0)
    {
      error_at (file, "cannot create: %s", strerror (errno));
      return ST_NOACCESS;
    }
  md = mmalloc_attach_opts (fd, (void *) (uintptr_t) base, &o);
  if (md == NULL)
    {
      err = errno;
      if (err == EEXIST && !created)
	error_at (file, "already exists and is not empty; not overwritten");
      else if (err == EEXIST)
	error_at (file, "cannot create: base address 0x%" PRIx64 " is "
		  "already in use (%s)", base, strerror (err));
      else
	error_at (file, "cannot create: %s", strerror (err));
      if (created)
	unlink (file);
      close (fd);
      return ST_NOACCESS;
    }
  printf ("%s: created a heap at %p, capacity %s\n", file, md,
	  human (((const struct mm_header *) md)->capacity, b1, sizeof b1));
  if (mmalloc_detach (md) != NULL || close (fd) != 0)
    {
      error_at (file, "cannot detach: %s", strerror (errno));
      return ST_NOACCESS;
    }
  return ST_OK;
}

/* ------------------------------------------------------------------ */

int
main (int argc, char **argv)
{
  static const struct option longopts[] = {
    { "json", no_argument, NULL, 'j' },
    { "size", required_argument, NULL, 's' },
    { "base", required_argument, NULL, 'b' },
    { "streams", required_argument, NULL, 'n' },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 }
  };
  const char *size_arg = NULL, *base_arg = NULL, *streams_arg = NULL;
  const char *cmd, *file;
  int json = 0, c;

  if (argc > 0 && argv[0] != NULL && argv[0][0] != '\0')
    {
      const char *slash = strrchr (argv[0], '/');
      progname = slash != NULL ? slash + 1 : argv[0];
    }
  while ((c = getopt_long (argc, argv, ":hV", longopts, NULL)) != -1)
    switch (c)
      {
      case 'j': json = 1; break;
      case 's': size_arg = optarg; break;
      case 'b': base_arg = optarg; break;
      case 'n': streams_arg = optarg; break;
      case 'h': print_help (); return ST_OK;
      case 'V':
	printf ("%s (mmalloc) %s\n", progname, PACKAGE_VERSION);
	printf ("Heap file format version %u.\n", MM_VERSION);
	return ST_OK;
      case ':':
	usage_error ("option '%s' needs a value", argv[optind - 1]);
      default:
	if (optopt != 0)
	  usage_error ("unknown option '-%c'", optopt);
	usage_error ("unknown option '%s'", argv[optind - 1]);
      }
  if (optind >= argc)
    usage_error ("no command given");
  cmd = argv[optind++];
  if (strcmp (cmd, "info") != 0 && strcmp (cmd, "check") != 0
      && strcmp (cmd, "repair") != 0 && strcmp (cmd, "stats") != 0
      && strcmp (cmd, "keys") != 0 && strcmp (cmd, "create") != 0)
    usage_error ("unknown command '%s'", cmd);
  if (optind >= argc)
    usage_error ("%s: no FILE given", cmd);
  file = argv[optind++];
  if (optind < argc)
    usage_error ("unexpected argument '%s'", argv[optind]);

  if (strcmp (cmd, "create") != 0
      && (size_arg != NULL || base_arg != NULL || streams_arg != NULL))
    usage_error ("--size, --base and --streams go with create only");
  if (json && strcmp (cmd, "info") != 0 && strcmp (cmd, "stats") != 0
      && strcmp (cmd, "keys") != 0)
    usage_error ("--json goes with info, stats and keys only");
  guard_install ();

  if (strcmp (cmd, "info") == 0)
    return cmd_info (file, json);
  if (strcmp (cmd, "check") == 0)
    return cmd_check (file);
  if (strcmp (cmd, "repair") == 0)
    return cmd_repair (file);
  if (strcmp (cmd, "stats") == 0)
    return cmd_stats (file, json);
  if (strcmp (cmd, "keys") == 0)
    return cmd_keys (file, json);
  if (strcmp (cmd, "create") == 0)
    return cmd_create (file, size_arg, base_arg, streams_arg);
  usage_error ("unknown command '%s'", cmd);
}
