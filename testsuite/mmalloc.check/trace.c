/* trace.c -- mmtrace (gnu-mmalloc.md 2.9 and DESIGN.md: a trace that
   glibc's mtrace script reads).  Run with MALLOC_TRACE set to a file:
   - mmtrace () is 1 with MALLOC_TRACE unset, naming a directory or a
     path in a directory that does not exist; 0 with a writable file;
   - the file starts with "= Start" and has "+", "-", "<" and ">" lines
     for the default heap's allocations, frees and resizes;
   - `mtrace PROGRAM FILE' reports exactly the one block leaked
     (UNSUPPORTED without mtrace or perl);
   - a heap attached with MMALLOC_TRACE is traced, one without is not.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mmalloc.h>
#include "mmtest.h"

static char *trace_file;

/* The trace file's contents (malloc'd, NUL-terminated), or NULL.  */
static char *
slurp (const char *name)
{
  FILE *f = fopen (name, "r");
  char *buf;
  long n;

  if (f == NULL)
    return NULL;
  fseek (f, 0, SEEK_END);
  n = ftell (f);
  fseek (f, 0, SEEK_SET);
  buf = malloc ((size_t) n + 1);
  if (buf == NULL || fread (buf, 1, (size_t) n, f) != (size_t) n)
    {
      free (buf);
      fclose (f);
      return NULL;
    }
  buf[n] = '\0';
  fclose (f);
  return buf;
}

/* How many lines of TEXT have, after the caller ("@ ...] "), operation
   OP on address P (and, when SIZE is not 0, that size).  */
static int
count_op (const char *text, char op, const void *p, size_t size)
{
  char want[64];
  const char *line = text;
  int n = 0;

  if (size != 0)
    snprintf (want, sizeof want, "%c %#lx %#lx\n", op, (unsigned long) p,
	      (unsigned long) size);
  else
    snprintf (want, sizeof want, "%c %#lx\n", op, (unsigned long) p);
  while (line != NULL && *line != '\0')
    {
      const char *end = strchr (line, '\n');
      const char *rest = line;
      if (line[0] == '@')
	{
	  rest = strstr (line, "] ");
	  rest = rest != NULL && (end == NULL || rest < end) ? rest + 2 : line;
	}
      if (strncmp (rest, want, strlen (want)) == 0)
	n++;
      line = end != NULL ? end + 1 : NULL;
    }
  return n;
}

/* Whether the address P appears anywhere in TEXT.  */
static int
mentions (const char *text, const void *p)
{
  char want[32];
  const char *s = text;
  size_t len;

  len = (size_t) snprintf (want, sizeof want, "%#lx", (unsigned long) p);
  while ((s = strstr (s, want)) != NULL)
    {
      char c = s[len];
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
	return 1;
      s += len;
    }
  return 0;
}

static void
run_mtrace (const void *leak)
{
  char exe[4096], cmd[9000], out[128], line[512], want[32];
  ssize_t n;
  FILE *f;
  int in_leaks = 0, leak_lines = 0, found = 0, header = 0, never = 0;

  if (system ("command -v mtrace >/dev/null 2>&1 "
	      "&& command -v perl >/dev/null 2>&1") != 0)
    {
      mmt_unsupported ("mtrace(1) reports exactly the leaked block "
		       "(mtrace or perl not installed)");
      return;
    }
  n = readlink ("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0)
    {
      mmt_unsupported ("mtrace(1): /proc/self/exe unreadable");
      return;
    }
  exe[n] = '\0';
  snprintf (out, sizeof out, "check-trace-%ld.out.tmp", (long) getpid ());
  snprintf (cmd, sizeof cmd, "mtrace '%s' '%s' > '%s' 2>&1", exe,
	    trace_file, out);
  (void) system (cmd);
  f = fopen (out, "r");
  if (!CHECK (f != NULL, "mtrace(1) ran and wrote its report"))
    return;
  snprintf (want, sizeof want, "%#018lx", (unsigned long) leak);
  while (fgets (line, sizeof line, f) != NULL)
    {
      fputs (line, stdout);	/* into the log */
      if (strstr (line, "was never alloc'd") != NULL
	  || strstr (line, "duplicate") != NULL)
	never++;
      if (strncmp (line, "Memory not freed", 16) == 0)
	{
	  header = 1;
	  in_leaks = 1;
	  continue;
	}
      if (in_leaks && strncmp (line, "0x", 2) == 0)
	{
	  leak_lines++;
	  if (strncmp (line, want, strlen (want)) == 0)
	    found = 1;
	}
    }
  fclose (f);
  unlink (out);
  fflush (stdout);
  CHECK (header, "mtrace(1) reports \"Memory not freed\"");
  if (!CHECK (found && leak_lines == 1, "mtrace(1) lists exactly the "
	      "leaked block"))
    mmt_note ("leaked block %s; %d blocks listed", want, leak_lines);
  CHECK (never == 0, "mtrace(1) finds no unmatched free or duplicate "
	 "(%d)", never);
}

int
main (void)
{
  const char *env = getenv ("MALLOC_TRACE");
  char *text, *leak, *p, *old, *c, *al;
  char *x, *y;
  void *traced, *untraced;
  struct mmalloc_options o;

  if (env == NULL || env[0] == '\0')
    mmt_fatal ("run with MALLOC_TRACE set to a file (see check.exp)");
  trace_file = strdup (env);
  if (trace_file == NULL)
    mmt_fatal ("strdup failed");
  unlink (trace_file);

  unsetenv ("MALLOC_TRACE");
  CHECK (mmtrace () == 1, "mmtrace () == 1 with MALLOC_TRACE unset");
  setenv ("MALLOC_TRACE", "", 1);
  CHECK (mmtrace () == 1, "mmtrace () == 1 with MALLOC_TRACE empty");
  setenv ("MALLOC_TRACE", "/", 1);
  CHECK (mmtrace () == 1, "mmtrace () == 1 with MALLOC_TRACE naming a "
	 "directory");
  setenv ("MALLOC_TRACE", "/nonexistent-mmalloc-dir/trace.tmp", 1);
  CHECK (mmtrace () == 1, "mmtrace () == 1 with MALLOC_TRACE in a "
	 "directory that does not exist");
  setenv ("MALLOC_TRACE", trace_file, 1);
  if (!CHECK (mmtrace () == 0, "mmtrace () == 0 with MALLOC_TRACE=%s",
	      trace_file))
    mmt_fatal ("tracing did not start");
  CHECK (mmtrace () == 0, "mmtrace () again: 0 (already tracing)");

  /* The default heap: one block leaked, the rest freed.  */
  leak = mmalloc (NULL, 100);
  p = mmalloc (NULL, 200);
  old = p;
  p = mrealloc (NULL, p, 50000);
  c = mcalloc (NULL, 4, 25);
  al = mmemalign (NULL, 64, 10);
  if (leak == NULL || p == NULL || c == NULL || al == NULL)
    mmt_fatal ("allocation failed");
  mfree (NULL, p);
  mfree (NULL, c);
  mfree (NULL, al);

  text = slurp (trace_file);
  if (!CHECK (text != NULL, "the trace file %s exists", trace_file))
    mmt_exit ();
  CHECK (strncmp (text, "= Start\n", 8) == 0,
	 "the trace starts with \"= Start\"");
  CHECK (count_op (text, '+', leak, 100) == 1,
	 "a \"+ ADDRESS 0x64\" line for mmalloc (NULL, 100)");
  CHECK (count_op (text, '-', leak, 0) == 0,
	 "no \"-\" line for the leaked block");
  CHECK (count_op (text, '+', old, 200) == 1,
	 "a \"+\" line for mmalloc (NULL, 200)");
  CHECK (count_op (text, '<', old, 0) == 1, "a \"<\" line for the block "
	 "mrealloc resized");
  CHECK (count_op (text, '>', p, 50000) == 1, "a \"> ADDRESS 0xc350\" line "
	 "for mrealloc's result");
  CHECK (count_op (text, '-', p, 0) == 1, "a \"-\" line for mfree");
  CHECK (count_op (text, '+', c, 100) == 1, "a \"+\" line for mcalloc "
	 "(NULL, 4, 25)");
  CHECK (count_op (text, '-', c, 0) == 1, "a \"-\" line for mcalloc's "
	 "block");
  CHECK (count_op (text, '+', al, 10) == 1, "a \"+\" line for mmemalign");
  CHECK (count_op (text, '-', al, 0) == 1, "a \"-\" line for mmemalign's "
	 "block");
  {
    /* Every line is "= ..." or "@ CALLER OP ...".  */
    const char *line = text;
    int bad = 0;
    while (*line != '\0')
      {
	const char *end = strchr (line, '\n');
	const char *rest = strstr (line, "] ");
	if (line[0] == '=')
	  ;
	else if (line[0] != '@' || rest == NULL || (end && rest > end)
		 || strchr ("+-<>", rest[2]) == NULL || rest[3] != ' ')
	  bad++;
	if (end == NULL)
	  break;
	line = end + 1;
      }
    CHECK (bad == 0, "every trace line has mtrace's form (%d do not)", bad);
  }
  free (text);

  run_mtrace (leak);

  /* Heaps attached with and without MMALLOC_TRACE.  */
  memset (&o, 0, sizeof o);
  o.size = sizeof o;
  o.flags = MMALLOC_TRACE;
  traced = mmalloc_attach_opts (-1, NULL, &o);
  untraced = mmalloc_attach (-1, NULL);
  if (traced == NULL || untraced == NULL)
    mmt_fatal ("mmalloc_attach: %s", strerror (errno));
  x = mmalloc (traced, 333);
  y = mmalloc (untraced, 444);
  if (x == NULL || y == NULL)
    mmt_fatal ("allocation failed");
  mfree (traced, x);
  mfree (untraced, y);
  text = slurp (trace_file);
  if (text == NULL)
    mmt_fatal ("the trace file disappeared");
  CHECK (count_op (text, '+', x, 333) == 1 && count_op (text, '-', x, 0)
	 == 1, "a heap attached with MMALLOC_TRACE is traced");
  CHECK (!mentions (text, y), "a heap attached without it is not");
  free (text);
  mmalloc_detach (traced);
  mmalloc_detach (untraced);
  unlink (trace_file);
  mmt_exit ();
}
