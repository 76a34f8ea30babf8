/* tool.c -- tests of mmheap, the heap-file tool (issue 10): runs the
   built tools/mmheap on heap files made by mkheap (sound, dirty after a
   SIGKILLed writer, in use, base address taken) and on files that are
   not heaps (missing, empty, text, GNU version 1, other word size or
   byte order, truncated), and checks its exit statuses, its messages,
   its figures against what mkheap measured, that its --json output
   parses, and that the read-only commands leave the file untouched.
   Copyright (C) 2026 The mmalloc developers.  This file is part of
   mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <time.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <mmalloc.h>
#include "mmprivate.h"
#include "mmtest.h"

#ifndef MMHEAP_PATH
# define MMHEAP_PATH "../tools/mmheap"
#endif

static char mmheap[4096];	/* the tool */
static char mkheap[4096];	/* the helper, next to this program */

/* One run of a program: exit status (128 + signal when killed, -1 when
   it could not be run or timed out) and what it printed.  */
struct run
{
  int status;
  char out[65536];
  char err[8192];
};

static struct run R;

/* Run ARGV (a NULL-terminated list), without ASLR when NOASLR.  */
static int
run_argv (struct run *r, int noaslr, char *const argv[])
{
  int po[2], pe[2], st;
  size_t no = 0, ne = 0;
  struct pollfd pf[2];
  time_t deadline = time (NULL) + 20;
  pid_t pid;

  r->status = -1;
  r->out[0] = r->err[0] = '\0';
  if (pipe (po) != 0 || pipe (pe) != 0)
    mmt_fatal ("pipe: %s", strerror (errno));
  pid = mmt_fork ();
  if (pid < 0)
    mmt_fatal ("fork: %s", strerror (errno));
  if (pid == 0)
    {
      dup2 (po[1], 1);
      dup2 (pe[1], 2);
      close (po[0]);
      close (pe[0]);
      close (po[1]);
      close (pe[1]);
      if (noaslr && personality (ADDR_NO_RANDOMIZE) == -1)
	_exit (126);
      execv (argv[0], argv);
      _exit (127);
    }
  close (po[1]);
  close (pe[1]);
  pf[0].fd = po[0];
  pf[1].fd = pe[0];
  pf[0].events = pf[1].events = POLLIN;
  while (pf[0].fd >= 0 || pf[1].fd >= 0)
    {
      int i;
      if (time (NULL) > deadline)
	{
	  kill (pid, SIGKILL);
	  mmt_note ("%s timed out", argv[0]);
	  break;
	}
      if (poll (pf, 2, 1000) < 0 && errno != EINTR)
	break;
      for (i = 0; i < 2; i++)
	if (pf[i].fd >= 0 && (pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
	  {
	    char *buf = i == 0 ? r->out : r->err;
	    size_t *n = i == 0 ? &no : &ne;
	    size_t cap = i == 0 ? sizeof r->out : sizeof r->err;
	    ssize_t got = read (pf[i].fd, buf + *n, cap - 1 - *n);
	    if (got <= 0)
	      {
		close (pf[i].fd);
		pf[i].fd = -1;
	      }
	    else
	      {
		*n += (size_t) got;
		buf[*n] = '\0';
	      }
	  }
    }
  if (pf[0].fd >= 0)
    close (pf[0].fd);
  if (pf[1].fd >= 0)
    close (pf[1].fd);
  st = mmt_wait (pid);
  if (time (NULL) <= deadline)
    r->status = st;
  return r->status;
}

/* Run mmheap with the arguments given (NULL-terminated).  */
#define TOOL(...) run_tool (0, __VA_ARGS__, (char *) NULL)
#define TOOL_NOASLR(...) run_tool (1, __VA_ARGS__, (char *) NULL)

static int
run_tool (int noaslr, ...)
{
  char *argv[16];
  int n = 0;
  va_list ap;

  argv[n++] = mmheap;
  va_start (ap, noaslr);
  while (n < 15 && (argv[n] = va_arg (ap, char *)) != NULL)
    n++;
  va_end (ap);
  argv[n] = NULL;
  return run_argv (&R, noaslr, argv);
}

static int
has (const char *hay, const char *needle)
{
  return strstr (hay, needle) != NULL;
}

/* The value of "NAME VALUE" line NAME in mkheap's output S.  */
static unsigned long long
field (const char *s, const char *name)
{
  size_t len = strlen (name);
  const char *p = s;

  while ((p = strstr (p, name)) != NULL)
    {
      if ((p == s || p[-1] == '\n') && p[len] == ' ')
	return strtoull (p + len + 1, NULL, 0);
      p += len;
    }
  return ~0ull;
}

/* ------------------------------------------------------------------ */
/* A small JSON validator (RFC 8259 grammar), so that the --json test
   does not depend on python3 being installed.  */

static const char *jp;

static void
jws (void)
{
  while (*jp == ' ' || *jp == '\t' || *jp == '\n' || *jp == '\r')
    jp++;
}

static int jvalue (int depth);

static int
jstring (void)
{
  if (*jp++ != '"')
    return 0;
  while (*jp != '"')
    {
      unsigned char c = (unsigned char) *jp++;
      if (c < 0x20)
	return 0;
      if (c == '\\')
	{
	  c = (unsigned char) *jp++;
	  if (c == 'u')
	    {
	      int i;
	      for (i = 0; i < 4; i++, jp++)
		if (!((*jp >= '0' && *jp <= '9') || (*jp >= 'a' && *jp <= 'f')
		      || (*jp >= 'A' && *jp <= 'F')))
		  return 0;
	    }
	  else if (!strchr ("\"\\/bfnrt", c) || c == '\0')
	    return 0;
	}
    }
  jp++;
  return 1;
}

static int
jnumber (void)
{
  const char *start = jp;

  if (*jp == '-')
    jp++;
  if (*jp == '0')
    jp++;
  else if (*jp >= '1' && *jp <= '9')
    while (*jp >= '0' && *jp <= '9')
      jp++;
  else
    return 0;
  if (*jp == '.')
    {
      jp++;
      if (!(*jp >= '0' && *jp <= '9'))
	return 0;
      while (*jp >= '0' && *jp <= '9')
	jp++;
    }
  if (*jp == 'e' || *jp == 'E')
    {
      jp++;
      if (*jp == '+' || *jp == '-')
	jp++;
      if (!(*jp >= '0' && *jp <= '9'))
	return 0;
      while (*jp >= '0' && *jp <= '9')
	jp++;
    }
  return jp > start;
}

static int
jvalue (int depth)
{
  if (depth > 64)
    return 0;
  jws ();
  switch (*jp)
    {
    case '{':
      jp++;
      jws ();
      if (*jp == '}')
	return jp++, 1;
      for (;;)
	{
	  jws ();
	  if (!jstring ())
	    return 0;
	  jws ();
	  if (*jp++ != ':' || !jvalue (depth + 1))
	    return 0;
	  jws ();
	  if (*jp == '}')
	    return jp++, 1;
	  if (*jp++ != ',')
	    return 0;
	}
    case '[':
      jp++;
      jws ();
      if (*jp == ']')
	return jp++, 1;
      for (;;)
	{
	  if (!jvalue (depth + 1))
	    return 0;
	  jws ();
	  if (*jp == ']')
	    return jp++, 1;
	  if (*jp++ != ',')
	    return 0;
	}
    case '"':
      return jstring ();
    case 't':
      return strncmp (jp, "true", 4) == 0 ? (jp += 4, 1) : 0;
    case 'f':
      return strncmp (jp, "false", 5) == 0 ? (jp += 5, 1) : 0;
    case 'n':
      return strncmp (jp, "null", 4) == 0 ? (jp += 4, 1) : 0;
    default:
      return jnumber ();
    }
}

static int
json_valid (const char *s)
{
  jp = s;
  if (!jvalue (0))
    return 0;
  jws ();
  return *jp == '\0';
}

/* Whether python3's json module accepts S: 1 yes, 0 no, -1 no python3.  */
static int
python_json (const char *s)
{
  static int have = -1;
  char tmp[64];
  int fd, st;
  char *argv[] = { (char *) "/bin/sh", (char *) "-c",
    (char *) "exec python3 -c 'import json,sys; json.load(sys.stdin)' < \"$0\"",
    tmp, NULL };
  struct run *r;

  if (have < 0)
    {
      char *probe[] = { (char *) "/bin/sh", (char *) "-c",
	(char *) "command -v python3", NULL };
      r = malloc (sizeof *r);
      have = r != NULL && run_argv (r, 0, probe) == 0;
      free (r);
    }
  if (!have)
    return -1;
  snprintf (tmp, sizeof tmp, "tool-%ld-json.tmp", (long) getpid ());
  fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || write (fd, s, strlen (s)) != (ssize_t) strlen (s))
    mmt_fatal ("cannot write %s", tmp);
  close (fd);
  r = malloc (sizeof *r);
  if (r == NULL)
    mmt_fatal ("out of memory");
  st = run_argv (r, 0, argv);
  free (r);
  unlink (tmp);
  return st == 0;
}

static void
check_json (const char *what)
{
  int py;

  CHECK (json_valid (R.out), "%s: output is valid JSON", what);
  py = python_json (R.out);
  if (py < 0)
    mmt_unsupported ("%s: python3 json.load (no python3)", what);
  else
    CHECK (py == 1, "%s: python3 json.load accepts the output", what);
}

/* ------------------------------------------------------------------ */
/* Files.  */

static char *
name (const char *tag)
{
  static char buf[16][128];
  static int next;
  char *b = buf[next++ % 16];

  snprintf (b, sizeof buf[0], "tool-%ld-%s.heap", (long) getpid (), tag);
  return b;
}

static void
write_file (const char *file, const void *data, size_t len, size_t total)
{
  int fd = open (file, O_WRONLY | O_CREAT | O_TRUNC, 0600);

  if (fd < 0 || (len > 0 && write (fd, data, len) != (ssize_t) len)
      || ftruncate (fd, (off_t) total) != 0)
    mmt_fatal ("cannot write %s: %s", file, strerror (errno));
  close (fd);
}

/* The whole of FILE in memory (malloc), its length in *LEN.  */
static char *
slurp (const char *file, size_t *len)
{
  struct stat st;
  char *buf;
  int fd = open (file, O_RDONLY);

  if (fd < 0 || fstat (fd, &st) != 0)
    mmt_fatal ("cannot open %s: %s", file, strerror (errno));
  buf = malloc ((size_t) st.st_size + 1);
  if (buf == NULL
      || read (fd, buf, (size_t) st.st_size) != (ssize_t) st.st_size)
    mmt_fatal ("cannot read %s", file);
  close (fd);
  *len = (size_t) st.st_size;
  return buf;
}

/* Make a heap with mkheap make; its report in REPORT.  */
static int
make_heap (const char *file, const char *base, char *report, size_t size)
{
  char *argv[] = { mkheap, (char *) "make", (char *) file, (char *) base,
    NULL };
  struct run *r = malloc (sizeof *r);
  int st;

  if (r == NULL)
    mmt_fatal ("out of memory");
  unlink (file);
  st = run_argv (r, 0, argv);
  if (size > 0)
    {
      size_t len = strlen (r->out);
      if (len >= size)
	len = size - 1;
      memcpy (report, r->out, len);
      report[len] = '\0';
    }
  if (st != 0)
    mmt_note ("mkheap make %s: status %d: %s", file, st, r->err);
  free (r);
  return st;
}

/* Start mkheap MODE (writer or hold) on FILE; returns its pid once it
   has attached (or -1).  */
static pid_t
start_helper (const char *mode, const char *file)
{
  int p[2];
  char fdbuf[16], c;
  pid_t pid;
  struct pollfd pf;

  if (pipe (p) != 0)
    mmt_fatal ("pipe: %s", strerror (errno));
  pid = mmt_fork ();
  if (pid == 0)
    {
      close (p[0]);
      snprintf (fdbuf, sizeof fdbuf, "%d", p[1]);
      execl (mkheap, mkheap, mode, file, fdbuf, (char *) NULL);
      _exit (127);
    }
  close (p[1]);
  pf.fd = p[0];
  pf.events = POLLIN;
  if (poll (&pf, 1, 10000) != 1 || read (p[0], &c, 1) != 1 || c != 'R')
    {
      close (p[0]);
      kill (pid, SIGKILL);
      mmt_wait (pid);
      return -1;
    }
  close (p[0]);
  return pid;
}

/* ------------------------------------------------------------------ */
/* The tests.  */

static void
test_usage (void)
{
  char *f = name ("usage");

  CHECK (TOOL ("--help") == 0 && has (R.out, "Usage:")
	 && has (R.out, "repair") && has (R.out, "Exit status"),
	 "--help: status 0 and the usage");
  CHECK (TOOL ("--version") == 0 && has (R.out, "(mmalloc)"),
	 "--version: status 0 and the version");
  CHECK (run_tool (0, (char *) NULL) == 2 && has (R.err, "no command")
	 && has (R.err, "--help"), "no arguments: status 2");
  CHECK (TOOL ("frobnicate", f) == 2 && has (R.err, "unknown command"),
	 "unknown command: status 2");
  CHECK (TOOL ("info") == 2 && has (R.err, "no FILE"),
	 "info without FILE: status 2");
  CHECK (TOOL ("info", f, "extra") == 2 && has (R.err, "unexpected"),
	 "an extra argument: status 2");
  CHECK (TOOL ("info", "--frobnicate", f) == 2
	 && has (R.err, "unknown option"), "unknown option: status 2");
  CHECK (TOOL ("check", "--json", f) == 2 && has (R.err, "--json"),
	 "check --json: status 2");
  CHECK (TOOL ("info", "--size", "1M", f) == 2,
	 "info --size: status 2");
  unlink (f);
  CHECK (TOOL ("create", f) == 2 && has (R.err, "--size")
	 && access (f, F_OK) != 0,
	 "create without --size: status 2, no file");
  CHECK (TOOL ("create", f, "--size", "12Q") == 2
	 && has (R.err, "invalid size") && access (f, F_OK) != 0,
	 "create --size 12Q: status 2, no file");
  CHECK (TOOL ("create", f, "--size", "4K") == 2 && access (f, F_OK) != 0,
	 "create --size 4K (too small): status 2, no file");
  /* An address of this host's width (on a 32-bit one, the 64-bit
     address would be refused as no address at all).  */
  CHECK (TOOL ("create", f, "--size", "1M", "--base",
	       sizeof (void *) >= 8 ? "0x10001000001" : "0x10001001") == 2
	 && has (R.err, "page size") && access (f, F_OK) != 0,
	 "create --base not page-aligned: status 2, no file");
  CHECK (TOOL ("create", f, "--size", "1M", "--streams", "65") == 2
	 && access (f, F_OK) != 0, "create --streams 65: status 2");
  CHECK (TOOL ("create", f, "--size") == 2 && has (R.err, "needs a value"),
	 "--size without a value: status 2");
}

static void
test_not_heaps (void)
{
  static const char *const cmds[] = { "info", "check", "stats", "keys",
    "repair" };
  char *missing = name ("missing"), *empty = name ("empty");
  char *text = name ("text"), *gnu = name ("gnu");
  unsigned char buf[8192];
  size_t i;

  unlink (missing);
  for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
    CHECK (TOOL (cmds[i], missing) == 3 && has (R.err, "mmheap: ")
	   && has (R.err, missing)
	   && has (R.err, "No such file or directory"),
	   "%s on a missing file: status 3, name and reason", cmds[i]);

  write_file (empty, "", 0, 0);
  CHECK (TOOL ("info", empty) == 3 && has (R.err, "empty"),
	 "info on an empty file: status 3, says empty");
  CHECK (TOOL ("check", empty) == 3 && has (R.err, "empty"),
	 "check on an empty file: status 3");
  {
    struct stat st;
    CHECK (TOOL ("repair", empty) == 3 && stat (empty, &st) == 0
	   && st.st_size == 0, "repair on an empty file: status 3, "
	   "file left empty");
  }

  write_file (text, "#!/bin/sh\necho this is not a heap\n", 34, 20000);
  for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
    CHECK (TOOL (cmds[i], text) == 3
	   && has (R.err, "not an mmalloc heap"),
	   "%s on a text file: status 3, not a heap", cmds[i]);

  /* GNU mmalloc's header: magic, headersize 504 at offset 8, version 1
     at offset 12.  */
  memset (buf, 0, sizeof buf);
  memcpy (buf, "mmalloc", 8);
  buf[8] = 504 & 0xff;
  buf[9] = 504 >> 8;
  buf[12] = 1;
  write_file (gnu, buf, sizeof buf, 0x7000);
  CHECK (TOOL ("info", gnu) == 3 && has (R.err, "GNU mmalloc"),
	 "info on a GNU version-1 heap: status 3, says GNU mmalloc");
  CHECK (TOOL ("check", gnu) == 3 && has (R.err, "GNU mmalloc"),
	 "check on a GNU version-1 heap: status 3");
  unlink (missing);
  unlink (empty);
  unlink (text);
  unlink (gnu);
}

/* Copies of a sound heap with one header field changed.  */
static void
test_foreign (const char *sound)
{
  char *file = name ("foreign");
  size_t len;
  char *img = slurp (sound, &len);
  struct mm_header *h = (struct mm_header *) img;
  uint8_t ws = h->word_size;
  uint32_t endian = h->endian;

  h->word_size = sizeof (void *) == 8 ? 4 : 8;
  write_file (file, img, len, len);
  CHECK (TOOL ("info", file) == 3
	 && has (R.err, sizeof (void *) == 8 ? "32-bit" : "64-bit"),
	 "info on a heap of another word size: status 3, says so");
  CHECK (TOOL ("stats", file) == 3, "stats on a heap of another word "
	 "size: status 3");
  h->word_size = ws;
  h->endian = __builtin_bswap32 (endian);
  write_file (file, img, len, len);
  CHECK (TOOL ("check", file) == 3 && has (R.err, "byte order"),
	 "check on a heap of the other byte order: status 3, says so");
  h->endian = endian;
  h->version = MM_VERSION + 1;
  write_file (file, img, len, len);
  {
    char want[64];
    snprintf (want, sizeof want, "version %d", MM_VERSION + 1);
    CHECK (TOOL ("info", file) == 3 && has (R.err, want),
	   "info on the next format version: status 3, says so");
  }
  h->version = MM_VERSION;

  /* Truncated: the header says more is in use than the file holds.  */
  write_file (file, img, 8192, 8192);
  CHECK (TOOL ("info", file) == 1 && has (R.err, "truncated")
	 && has (R.out, "base:"),
	 "info on a truncated heap: status 1, says truncated, shows header");
  CHECK (TOOL ("check", file) == 1 && has (R.out, "unsound")
	 && has (R.out, "truncated"),
	 "check on a truncated heap: status 1, unsound");
  CHECK (TOOL ("stats", file) == 1, "stats on a truncated heap: status 1");
  free (img);
  unlink (file);
}

static void
test_sound (void)
{
  char *file = name ("sound");
  char rep[4096], want[128];
  char *before, *after;
  size_t blen, alen;
  struct stat st0, st1;
  unsigned long long base, key0, key3;

  if (make_heap (file, NULL, rep, sizeof rep) != 0)
    {
      mmt_fail ("mkheap make: a sound heap to run the tool on");
      return;
    }
  base = field (rep, "base");
  key0 = field (rep, "key0");
  key3 = field (rep, "key3");
  before = slurp (file, &blen);
  stat (file, &st0);

  CHECK (TOOL ("info", file) == 0, "info on a sound heap: status 0");
  snprintf (want, sizeof want, "base:            0x%llx\n", base);
  CHECK (has (R.out, want), "info: the base mkheap got");
  snprintf (want, sizeof want, "format version:  %d\n", MM_VERSION);
  CHECK (has (R.out, want)
	 && has (R.out, sizeof (void *) == 8 ? "word size:       64 bits"
		 : "word size:       32 bits")
	 && has (R.out, "byte order:"), "info: format, word size, order");
  CHECK (has (R.out, "state:           clean\n")
	 && has (R.out, "attached:        none now; 0 recorded"),
	 "info: state clean, nobody attached");
  CHECK (has (R.out, "flags:           used\n"), "info: flags used");
  CHECK (has (R.out, "mapped:") && has (R.out, "capacity:")
	 && has (R.out, "file size:"), "info: sizes");
  snprintf (want, sizeof want, "key  0: 0x%llx\n", key0);
  CHECK (has (R.out, want), "info: key 0");
  snprintf (want, sizeof want, "chunks used:   %llu\n",
	    field (rep, "chunks_used"));
  CHECK (has (R.out, want), "info: chunks used as mmstats said (%llu)",
	 field (rep, "chunks_used"));
  snprintf (want, sizeof want, "bytes free:    %llu\n",
	    field (rep, "bytes_free"));
  CHECK (has (R.out, want), "info: bytes free as mmstats said");

  CHECK (TOOL ("check", file) == 0 && has (R.out, ": sound"),
	 "check on a sound heap: status 0, sound");

  CHECK (TOOL ("keys", file) == 0, "keys: status 0");
  snprintf (want, sizeof want,
	    "key  0: 0x%llx\nkey  3: 0x%llx\nkey  7: 0x1234 (outside the "
	    "heap)\n", key0, key3);
  CHECK (strcmp (R.out, want) == 0, "keys: exactly keys 0, 3 and 7");

  CHECK (TOOL ("stats", file) == 0, "stats: status 0");
  snprintf (want, sizeof want, "chunks used:       %llu\n",
	    field (rep, "chunks_used"));
  CHECK (has (R.out, want), "stats: chunks used as mmstats said");
  snprintf (want, sizeof want, "bytes used:        %llu\n",
	    field (rep, "bytes_used"));
  CHECK (has (R.out, want), "stats: bytes used as mmstats said");
  snprintf (want, sizeof want, "chunks free:       %llu\n",
	    field (rep, "chunks_free"));
  CHECK (has (R.out, want), "stats: chunks free as mmstats said");
  /* Ten 24-byte blocks, three freed: 7 live in class 32.  */
  CHECK (has (R.out, "by size class:") && has (R.out, "\n        32 ")
	 && strstr (strstr (R.out, "\n        32 ") + 1, "\n") != NULL,
	 "stats: a census row for class 32");
  {
    const char *row = strstr (R.out, "\n        32 ");
    unsigned long long sz = 0, runs = 0, live = 0;
    CHECK (row != NULL && sscanf (row, "%llu %llu %llu", &sz, &runs,
				  &live) == 3 && runs == 1 && live == 7,
	   "stats: class 32 has 1 run and 7 live blocks");
  }

  CHECK (TOOL ("info", "--json", file) == 0, "info --json: status 0");
  check_json ("info --json");
  snprintf (want, sizeof want, "\"base\": \"0x%llx\"", base);
  CHECK (has (R.out, want) && has (R.out, "\"state\": \"clean\"")
	 && has (R.out, "\"in_use\": false")
	 && has (R.out, "\"attached_now\": 0"),
	 "info --json: base, state, nobody attached");
  snprintf (want, sizeof want, "\"format_version\": %d", MM_VERSION);
  CHECK (has (R.out, want),
	 "info --json: format version");
  snprintf (want, sizeof want, "\"chunks_used\": %llu",
	    field (rep, "chunks_used"));
  CHECK (has (R.out, want), "info --json: chunks_used");
  CHECK (TOOL ("--json", "stats", file) == 0, "stats --json: status 0");
  check_json ("stats --json");
  snprintf (want, sizeof want, "\"bytes_used\": %llu",
	    field (rep, "bytes_used"));
  CHECK (has (R.out, want) && has (R.out, "\"size\": 32"),
	 "stats --json: bytes_used and the class census");
  CHECK (TOOL ("keys", file, "--json") == 0, "keys --json: status 0");
  check_json ("keys --json");
  snprintf (want, sizeof want, "\"value\": \"0x%llx\"", key3);
  CHECK (has (R.out, want), "keys --json: key 3's value");

  /* Read-only use: none of the above wrote to the file; and a file
     without write permission serves every read-only command.  */
  after = slurp (file, &alen);
  stat (file, &st1);
  CHECK (alen == blen && memcmp (before, after, blen) == 0
	 && st1.st_mtim.tv_sec == st0.st_mtim.tv_sec
	 && st1.st_mtim.tv_nsec == st0.st_mtim.tv_nsec,
	 "info, check, keys, stats leave the file untouched");
  free (after);
  chmod (file, 0444);
  CHECK (TOOL ("info", file) == 0 && TOOL ("check", file) == 0
	 && TOOL ("keys", file) == 0 && TOOL ("stats", file) == 0,
	 "a read-only file: info, check, keys, stats all status 0");
  if (geteuid () != 0)
    CHECK (TOOL ("repair", file) == 3 && has (R.err, "Permission denied"),
	   "repair on a read-only file: status 3, permission denied");
  else
    mmt_unsupported ("repair on a read-only file (running as root)");
  chmod (file, 0600);
  CHECK (TOOL ("repair", file) == 0 && has (R.out, "was clean: nothing")
	 && has (R.out, ": sound"), "repair on a clean heap: nothing to do");

  test_foreign (file);
  free (before);
  unlink (file);
}

static void
test_create (void)
{
  char *f = name ("create"), *g = name ("create2");
  char want[128], base_s[32];
  void *base;
  size_t len0, len1;
  char *img0, *img1;

  unlink (f);
  CHECK (TOOL ("create", f, "--size", "1M") == 0 && has (R.out, "created")
	 && access (f, F_OK) == 0, "create --size 1M: status 0, file made");
  CHECK (TOOL ("info", f) == 0
	 && has (R.out, "capacity:        1048576 bytes")
	 && has (R.out, "state:           clean")
	 && has (R.out, "streams:         4\n")
	 && has (R.out, "no keys set"),
	 "info on the new heap: capacity 1M, clean, no keys");
  CHECK (TOOL ("check", f) == 0, "check on the new heap: status 0");
  img0 = slurp (f, &len0);
  CHECK (TOOL ("create", f, "--size", "1M") == 3
	 && has (R.err, "not empty"), "create on a heap: status 3");
  img1 = slurp (f, &len1);
  CHECK (len0 == len1 && memcmp (img0, img1, len0) == 0,
	 "create on a heap leaves it untouched");
  free (img0);
  free (img1);

  /* An explicit base, free in this process (so almost surely in the
     tool's too), and streams.  */
  base = mmalloc_findbase (64 << 20);
  snprintf (base_s, sizeof base_s, "%p", base);
  unlink (g);
  /* 2 GiB does not fit above most bases of a 32-bit address space.  */
  CHECK (TOOL ("create", g, "--size", sizeof (void *) > 4 ? "2G" : "128M",
	       "--base", base_s, "--streams", "7") == 0,
	 "create --size 2G --base ADDR --streams 7");
  snprintf (want, sizeof want, "base:            %s\n", base_s);
  CHECK (TOOL ("info", g) == 0 && has (R.out, want)
	 && has (R.out, "streams:         7\n")
	 && has (R.out, sizeof (void *) > 4
		 ? "capacity:        2147483648 bytes"
		 : "capacity:        134217728 bytes"),
	 "info: base, streams and capacity as created");
  {
    /* The heap made by the tool works for a program.  */
    int fd = open (g, O_RDWR);
    void *md = fd >= 0 ? mmalloc_attach (fd, NULL) : NULL;
    CHECK (md == base && mmalloc (md, 100) != NULL
	   && mmalloc_detach (md) == NULL,
	   "a program attaches the created heap at its base and allocates");
    if (fd >= 0)
      close (fd);
  }
  unlink (f);
  unlink (g);
}

/* A heap whose base is where the tool's own executable is mapped when
   run without address-space randomization.  */
static void
test_base_taken (void)
{
  char *f = name ("taken"), *g = name ("taken2");
  char rep[4096], exe[32];
  char *argv[] = { mkheap, (char *) "maps", NULL };

  if (run_argv (&R, 1, argv) != 0 || strncmp (R.out, "0x", 2) != 0)
    {
      mmt_unsupported ("base address taken (cannot run without ASLR: "
		       "status %d)", R.status);
      return;
    }
  R.out[strcspn (R.out, "\n")] = '\0';
  if (strlen (R.out) >= sizeof exe)
    {
      mmt_fail ("mkheap maps: an address, got %s", R.out);
      return;
    }
  memcpy (exe, R.out, strlen (R.out) + 1);
  if (make_heap (f, exe, rep, sizeof rep) != 0
      || field (rep, "base") != strtoull (exe, NULL, 0))
    {
      mmt_unsupported ("base address taken (no heap at %s here)", exe);
      unlink (f);
      return;
    }
  CHECK (TOOL_NOASLR ("check", f) == 3 && has (R.err, "already in use")
	 && has (R.err, exe),
	 "check with the base taken: status 3, says the address is in use");
  CHECK (TOOL_NOASLR ("stats", f) == 3 && has (R.err, "already in use"),
	 "stats with the base taken: status 3");
  CHECK (TOOL_NOASLR ("info", f) == 0 && has (R.out, exe)
	 && has (R.out, "state:           clean"),
	 "info with the base taken still reads the header: status 0");
  CHECK (TOOL_NOASLR ("keys", f) == 0 && has (R.out, "key  0:"),
	 "keys with the base taken: status 0");
  unlink (g);
  CHECK (TOOL_NOASLR ("create", g, "--size", "1M", "--base", exe) == 3
	 && has (R.err, "already in use") && access (g, F_OK) != 0,
	 "create at a taken base: status 3, no file left");
  unlink (f);
  unlink (g);
}

/* The acceptance test: a writer SIGKILLed at a random moment leaves a
   dirty heap; check reports it (status 1), repair fixes it, check then
   passes.  */
static void
test_dirty (int rounds)
{
  char *file = name ("killed");
  int i;

  srand ((unsigned int) getpid ());
  for (i = 0; i < rounds; i++)
    {
      pid_t pid;
      unlink (file);
      pid = start_helper ("writer", file);
      if (pid < 0)
	{
	  mmt_fail ("round %d: the writer started", i);
	  continue;
	}
      usleep ((useconds_t) (1000 + rand () % 30000));
      kill (pid, SIGKILL);
      mmt_wait (pid);

      CHECK (TOOL ("info", file) == 0
	     && has (R.out, "state:           dirty: left by a process "
		     "that died"),
	     "round %d: info says dirty, left by a process that died", i);
      CHECK (TOOL ("info", "--json", file) == 0 && json_valid (R.out)
	     && has (R.out, "\"abandoned\": true")
	     && has (R.out, "\"in_use\": false"),
	     "round %d: info --json says abandoned", i);
      CHECK (TOOL ("check", file) == 1
	     && has (R.out, "dirty: left by a process that died; run mmheap "
		     "repair"), "round %d: check reports the dirty heap, "
	     "status 1", i);
      CHECK (TOOL ("repair", file) == 0 && has (R.out, "repaired")
	     && has (R.out, ": sound"), "round %d: repair: status 0, "
	     "repaired and sound", i);
      if (R.status != 0)
	mmt_note ("repair said: %s%s", R.out, R.err);
      CHECK (TOOL ("check", file) == 0 && has (R.out, ": sound")
	     && !has (R.out, "dirty"), "round %d: check after repair: "
	     "status 0, sound", i);
      CHECK (TOOL ("info", file) == 0
	     && has (R.out, "state:           clean"),
	     "round %d: info after repair: clean", i);
      CHECK (TOOL ("repair", file) == 0 && has (R.out, "was clean"),
	     "round %d: a second repair has nothing to do", i);
    }
  unlink (file);
}

/* A heap in use by a live process: reported as in use (not as left by
   a dead one), and repair refuses to touch it.  */
static void
test_in_use (void)
{
  char *file = name ("inuse");
  pid_t pid;

  unlink (file);
  pid = start_helper ("hold", file);
  if (pid < 0)
    {
      mmt_fail ("in use: the holder started");
      return;
    }
  CHECK (TOOL ("info", file) == 0
	 && has (R.out, "state:           dirty: in use")
	 && has (R.out, "attached:        1 process now"),
	 "in use: info says dirty, in use by 1 process");
  CHECK (TOOL ("info", "--json", file) == 0 && json_valid (R.out)
	 && has (R.out, "\"state\": \"dirty\"")
	 && has (R.out, "\"abandoned\": false")
	 && has (R.out, "\"in_use\": true")
	 && has (R.out, "\"attached_now\": 1"),
	 "in use: info --json says dirty, in use by 1, not abandoned");
  CHECK (TOOL ("check", file) == 0 && has (R.out, ": sound")
	 && has (R.out, "in use by") && !has (R.out, "died"),
	 "in use: check: status 0, sound, in use");
  CHECK (TOOL ("repair", file) == 3 && has (R.err, "in use"),
	 "in use: repair refuses, status 3");
  kill (pid, SIGKILL);
  mmt_wait (pid);
  CHECK (TOOL ("repair", file) == 0 && has (R.out, "repaired"),
	 "in use: once the holder is killed, repair repairs");
  unlink (file);
}

int
main (int argc, char **argv)
{
  char self[4096];
  ssize_t n;
  const char *env = getenv ("MMHEAP");

  (void) argc;
  (void) argv;
  snprintf (mmheap, sizeof mmheap, "%s", env != NULL ? env : MMHEAP_PATH);
  n = readlink ("/proc/self/exe", self, sizeof self - 1);
  if (n < 0)
    mmt_fatal ("readlink /proc/self/exe: %s", strerror (errno));
  self[n] = '\0';
  *strrchr (self, '/') = '\0';
  if (strlen (self) + sizeof "/mkheap" > sizeof mkheap)
    mmt_fatal ("path too long: %s", self);
  strcpy (mkheap, self);
  strcat (mkheap, "/mkheap");
  if (access (mmheap, X_OK) != 0)
    mmt_fatal ("the tool %s was not built", mmheap);
  if (access (mkheap, X_OK) != 0)
    mmt_fatal ("the helper %s was not built", mkheap);

  CHECK (json_valid ("[1, -2.5e3, \"x\\n\", null, {\"a\": true}]")
	 && !json_valid ("{\"a\": 1,}") && !json_valid ("{\"a\" 1}")
	 && !json_valid ("[1] 2") && !json_valid ("{\"a\": 0x10}"),
	 "the JSON checker tells valid from invalid");
  test_usage ();
  test_not_heaps ();
  test_sound ();
  test_create ();
  test_base_taken ();
  test_in_use ();
  test_dirty (getenv ("MMTEST_STRESS") != NULL ? 50 : 3);
  mmt_exit ();
}
