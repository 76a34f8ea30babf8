/* trace2.c -- glibc's mtrace(1) finds exactly the two leaks of a traced
   program (issue 4).  The program runs itself as a child with
   MALLOC_TRACE set: the child calls mmtrace, allocates, resizes and
   frees blocks of the default heap and of a heap attached with
   MMALLOC_TRACE, and leaks two blocks of different sizes from two
   functions (leak_small and leak_large, never inlined), then exits.
   The parent checks
   - the trace itself: each leaked block has one "+" record whose caller
     ("object:[offset]") lies inside the function that leaked it (the
     program is linked with -export-dynamic, so dladdr names them);
   - the report of `mtrace PROGRAM TRACE': exit status 1, exactly two
     blocks under "Memory not freed", with the sizes asked for, and
     their callers resolved to this file at the two source lines of the
     allocations (computed with __LINE__; or the line or two after them,
     still inside the function, where the compiler put the code the
     call returns to); no unmatched free, no duplicate.
   UNSUPPORTED when mtrace or perl is missing.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mmalloc.h>
#include "mmtest.h"

#define SMALL_SIZE 111		/* 0x6f: a small block */
#define LARGE_SIZE 70000	/* 0x11170: a page run */

/* Exported (see local.am) so that dladdr can name them.  */
void *leak_small (void *md, int *line);
void *leak_large (void *md, int *line);
void churn (void *md);

/* Where the leaked blocks are kept: storing the result after the call
   also keeps the compiler from turning the call into a jump, which
   would make the caller main.  */
void *volatile kept_small, *volatile kept_large;

/* Leak SMALL_SIZE bytes of MD; *LINE is the line of the allocation.  */
__attribute__ ((__noinline__)) void *
leak_small (void *md, int *line)
{
  *line = __LINE__; kept_small = mmalloc (md, SMALL_SIZE);
  return kept_small;
}

/* Leak LARGE_SIZE bytes of MD; *LINE is the line of the allocation.  */
__attribute__ ((__noinline__)) void *
leak_large (void *md, int *line)
{
  *line = __LINE__; kept_large = mmalloc (md, LARGE_SIZE);
  return kept_large;
}

/* Allocations that are all given back: mtrace must not list them.  */
__attribute__ ((__noinline__)) void
churn (void *md)
{
  char *a = mmalloc (md, 200), *b = mcalloc (md, 3, 1000);
  char *c = mmemalign (md, 256, 5000), *d = mmalloc (md, 100000);

  if (a == NULL || b == NULL || c == NULL || d == NULL)
    exit (3);
  a = mrealloc (md, a, 20000);
  d = mrealloc (md, d, 300);
  if (a == NULL || d == NULL)
    exit (3);
  mfree (md, a);
  mfree (md, b);
  mfree (md, c);
  mfree (md, d);
}

/* The traced program.  */
static int
child (void)
{
  struct mmalloc_options o;
  void *traced;
  int line;

  if (mmtrace () != 0)
    return 2;
  memset (&o, 0, sizeof o);
  o.size = sizeof o;
  o.flags = MMALLOC_TRACE;
  traced = mmalloc_attach_opts (-1, NULL, &o);
  if (traced == NULL)
    return 2;
  churn (NULL);
  churn (traced);
  if (leak_small (NULL, &line) == NULL || leak_large (NULL, &line) == NULL)
    return 3;
  churn (NULL);
  return 0;			/* the two blocks are never freed */
}

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
  if (buf != NULL)
    buf[fread (buf, 1, (size_t) n, f)] = '\0';
  fclose (f);
  return buf;
}

/* The caller recorded in TRACE for the one "+" record of SIZE bytes:
   its object in OBJ, its offset in *OFF.  Returns how many such
   records there are.  */
static int
find_alloc (const char *trace, size_t size, char *obj, size_t objlen,
	    uintptr_t *off)
{
  char tail[64];
  const char *line = trace;
  int n = 0;

  snprintf (tail, sizeof tail, " %#zx\n", size);
  while (line != NULL && *line != '\0')
    {
      const char *end = strchr (line, '\n');
      const char *br = strstr (line, ":[");
      const char *close = strstr (line, "] + ");
      size_t len = end != NULL ? (size_t) (end - line) + 1 : strlen (line);

      if (line[0] == '@' && br != NULL && close != NULL && br < close
	  && (end == NULL || close < end) && len > strlen (tail)
	  && strncmp (line + len - strlen (tail), tail, strlen (tail)) == 0)
	{
	  size_t l = (size_t) (br - (line + 2));
	  if (l >= objlen)
	    l = objlen - 1;
	  memcpy (obj, line + 2, l);
	  obj[l] = '\0';
	  *off = (uintptr_t) strtoull (br + 2, NULL, 16);
	  n++;
	}
      line = end != NULL ? end + 1 : NULL;
    }
  return n;
}

/* Check that TRACE records the allocation of SIZE bytes from inside
   function FN (named NAME) of executable EXE.  */
static void
check_caller (const char *trace, size_t size, void *fn, const char *name,
	      const char *exe)
{
  char obj[4096];
  uintptr_t off = 0;
  Dl_info me, at;
  int n = find_alloc (trace, size, obj, sizeof obj, &off);

  if (!CHECK (n == 1, "the trace has one \"+\" record of %zu bytes (%d)",
	      size, n))
    return;
  CHECK (strcmp (obj, exe) == 0, "the caller of the %zu-byte block is in "
	 "the program (%s)", size, obj);
  if (dladdr (fn, &me) == 0)
    {
      mmt_unresolved ("dladdr of %s failed", name);
      return;
    }
  if (dladdr ((char *) me.dli_fbase + off, &at) == 0
      || at.dli_sname == NULL)
    {
      mmt_fail ("the caller of the %zu-byte block (offset %#lx) names no "
		"function", size, (unsigned long) off);
      return;
    }
  CHECK (strcmp (at.dli_sname, name) == 0 && at.dli_saddr == fn,
	 "the caller of the %zu-byte block (offset %#lx) is inside %s "
	 "(found %s)", size, (unsigned long) off, name, at.dli_sname);
}

/* Whether LOC (mtrace's "at ..." text) is this file at a line of the
   leaking function from LINE (the allocation) to LINE + 2 (its closing
   brace).  mtrace resolves the return address of the call, which the
   compiler may attribute to the code after the call: the store on the
   same line, or with some options (the sanitizers') the return.  */
static int
is_location (const char *loc, int line)
{
  const char *s = strstr (loc, "trace2.c:");
  int at;

  if (s == NULL || (s != loc && s[-1] != '/'))
    return 0;
  at = atoi (s + strlen ("trace2.c:"));
  return at >= line && at <= line + 2;
}

int
main (int argc, char **argv)
{
  char exe[4096], trace[128], out[128], cmd[9000], line[1024];
  int small_line, large_line, st, in_leaks = 0, listed = 0;
  int small_found = 0, large_found = 0, other = 0, never = 0;
  void *p;
  char *text;
  ssize_t n;
  FILE *f;

  if (argc == 2 && strcmp (argv[1], "leak") == 0)
    return child ();

  /* The lines of the two allocations (and a check that the functions
     work without tracing).  */
  p = leak_small (NULL, &small_line);
  mfree (NULL, p);
  p = leak_large (NULL, &large_line);
  mfree (NULL, p);
  CHECK (large_line > small_line + 2, "the leaks are on lines %d and %d",
	 small_line, large_line);

  n = readlink ("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0)
    mmt_fatal ("cannot read /proc/self/exe");
  exe[n] = '\0';
  snprintf (trace, sizeof trace, "check-trace2-%ld.tmp", (long) getpid ());
  snprintf (out, sizeof out, "check-trace2-%ld.out.tmp", (long) getpid ());
  unlink (trace);
  setenv ("MALLOC_TRACE", trace, 1);
  snprintf (cmd, sizeof cmd, "'%s' leak", exe);
  st = system (cmd);
  unsetenv ("MALLOC_TRACE");
  if (!CHECK (st == 0, "the traced child ran (status %#x)", st))
    mmt_exit ();

  text = slurp (trace);
  if (!CHECK (text != NULL && strncmp (text, "= Start\n", 8) == 0,
	      "the child wrote a trace"))
    mmt_exit ();
  check_caller (text, SMALL_SIZE, (void *) leak_small, "leak_small", exe);
  check_caller (text, LARGE_SIZE, (void *) leak_large, "leak_large", exe);
  free (text);

  if (system ("command -v mtrace >/dev/null 2>&1 "
	      "&& command -v perl >/dev/null 2>&1") != 0)
    {
      mmt_unsupported ("mtrace(1) reports the two leaks (mtrace or perl "
		       "not installed)");
      unlink (trace);
      mmt_exit ();
    }
  snprintf (cmd, sizeof cmd, "mtrace '%s' '%s' > '%s' 2>&1", exe, trace,
	    out);
  st = system (cmd);
  CHECK (WIFEXITED (st) && WEXITSTATUS (st) == 1, "mtrace exits with "
	 "status 1 (leaks found; status %#x)", st);
  f = fopen (out, "r");
  if (!CHECK (f != NULL, "mtrace wrote a report"))
    mmt_exit ();
  while (fgets (line, sizeof line, f) != NULL)
    {
      unsigned long long addr, size;
      char loc[1000];

      fputs (line, stdout);	/* into the log */
      if (strstr (line, "never alloc'd") != NULL
	  || strstr (line, "duplicate") != NULL)
	never++;
      if (strncmp (line, "Memory not freed:", 17) == 0)
	in_leaks = 1;
      if (!in_leaks || strncmp (line, "0x", 2) != 0)
	continue;
      listed++;
      loc[0] = '\0';
      if (sscanf (line, "%llx %llx at %999[^\n]", &addr, &size, loc) < 2)
	{
	  other++;
	  continue;
	}
      if (size == SMALL_SIZE && addr != 0)
	small_found += is_location (loc, small_line) ? 1 : 100;
      else if (size == LARGE_SIZE && addr != 0)
	large_found += is_location (loc, large_line) ? 1 : 100;
      else
	other++;
    }
  fclose (f);
  fflush (stdout);
  CHECK (in_leaks, "mtrace reports \"Memory not freed:\"");
  CHECK (listed == 2 && other == 0, "mtrace lists exactly two blocks "
	 "(%d listed, %d unexpected)", listed, other);
  CHECK (small_found == 1, "the %d-byte leak is listed once, at "
	 "trace2.c:%d-%d in leak_small (%d)", SMALL_SIZE, small_line,
	 small_line + 2, small_found);
  CHECK (large_found == 1, "the %d-byte leak is listed once, at "
	 "trace2.c:%d-%d in leak_large (%d)", LARGE_SIZE, large_line,
	 large_line + 2, large_found);
  CHECK (never == 0, "mtrace finds no unmatched free and no duplicate "
	 "(%d)", never);
  unlink (out);
  unlink (trace);
  mmt_exit ();
}
