/* worked-bug.c -- checks the worked example of the manual's chapter
   "Debugging a heap" (doc/debugging.texi): it runs names (names.c) with
   the arguments the chapter uses, "Ada Grace Ada Alan", in a directory
   of its own, and checks what the chapter shows:
   - a plain run prints Alan, Grace, Ada and nothing else: the bugs are
     silent;
   - with NAMES_DEBUG, mmprobe finds each block damaged right after
     copy_name (four lines), the abort function is called exactly three
     times (once per damaged block freed; the lost duplicate is never
     freed), mmstats counts one block still allocated, and
     mmalloc_check finds nothing else wrong: stderr is exactly the
     chapter's eight lines;
   - `mtrace names names.trace' lists exactly one leak, of 3 bytes, at
     the line of copy_name's mmalloc call in names.c;
   - memcheck (`valgrind --leak-check=full') reports exactly one error:
     3 bytes definitely lost, allocated by copy_name from add_name from
     main; it does not see the one-byte overrun.
   mtrace and valgrind parts are UNSUPPORTED when the tool is missing
   (and valgrind's under the sanitizers or without client requests).
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mmtest.h"

#define ARGS "Ada Grace Ada Alan"

static char dir[PATH_MAX];	/* where names runs */
static char names[PATH_MAX + 16];	/* names (a libtool wrapper) */
static char libtool[PATH_MAX + 16];	/* libtool, to run it under valgrind */
static char source[PATH_MAX];	/* names.c */

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

/* Run shell command CMD in DIR with stdout to out.tmp and stderr to
   err.tmp there; returns system's status.  *OUT and *ERR get the
   contents (malloc'd).  */
static int
run (const char *cmd, char **out, char **err)
{
  char line[5 * PATH_MAX], f[PATH_MAX + 16];
  int st;

  snprintf (line, sizeof line, "cd '%s' && { %s ; } > out.tmp 2> err.tmp",
	    dir, cmd);
  st = system (line);
  snprintf (f, sizeof f, "%s/out.tmp", dir);
  *out = slurp (f);
  snprintf (f, sizeof f, "%s/err.tmp", dir);
  *err = slurp (f);
  if (*out == NULL)
    *out = strdup ("");
  if (*err == NULL)
    *err = strdup ("");
  return st;
}

/* The line number of the first line of names.c containing TEXT.  */
static int
source_line (const char *text)
{
  char *src = slurp (source), *s, *p;
  int line = 1;

  if (src == NULL)
    return 0;
  s = strstr (src, text);
  if (s == NULL)
    {
      free (src);
      return 0;
    }
  for (p = src; p < s; p++)
    line += *p == '\n';
  free (src);
  return line;
}

/* TEXT with texinfo's @@, @{ and @} turned back into @, { and }.  */
static char *
untexi (const char *text, size_t len)
{
  char *out = malloc (len + 1), *o = out;
  size_t i;

  if (out == NULL)
    return NULL;
  for (i = 0; i < len; i++)
    {
      if (text[i] == '@' && i + 1 < len && strchr ("@{}", text[i + 1]))
	i++;
      *o++ = text[i];
    }
  *o = '\0';
  return out;
}

/* The chapter (doc/debugging.texi) lists names.c verbatim between two
   comment lines, and shows the outputs checked below.  */
static void
check_chapter (int bug_line, const char *expected_err)
{
  static const char begin[] = "@c names.c begins\n";
  static const char end[] = "\n@c names.c ends";
  char path[PATH_MAX + 64], want[64], *doc, *src, *listing, *s, *e;
  const char *line;
  int in_order = 1;

  snprintf (path, sizeof path, "%s", source);
  s = strrchr (path, '/');
  snprintf (s != NULL ? s + 1 : path, 64, "../../doc/debugging.texi");
  doc = slurp (path);
  src = slurp (source);
  if (doc == NULL || src == NULL)
    {
      mmt_untested ("the chapter lists names.c (%s not found)", path);
      free (doc);
      free (src);
      return;
    }
  s = strstr (doc, begin);
  e = s != NULL ? strstr (s, end) : NULL;
  listing = e != NULL ? untexi (s + strlen (begin),
				(size_t) (e - s - strlen (begin))) : NULL;
  if (listing != NULL && strlen (src) > 0 && src[strlen (src) - 1] == '\n')
    src[strlen (src) - 1] = '\0';
  CHECK (listing != NULL && strcmp (listing, src) == 0, "the chapter's "
	 "listing is names.c, verbatim");
  /* The NAMES_DEBUG run: the eight lines of stderr, in order.  */
  s = doc;
  for (line = expected_err; *line != '\0';)
    {
      const char *nl = strchr (line, '\n');
      char buf[128];
      size_t n = (size_t) (nl - line);
      memcpy (buf, line, n);	/* no texinfo escapes in these */
      buf[n] = '\0';
      s = strstr (s, buf);
      if (s == NULL)
	{
	  in_order = 0;
	  break;
	}
      line = nl + 1;
    }
  CHECK (in_order, "the chapter shows NAMES_DEBUG's stderr lines, in "
	 "order");
  snprintf (want, sizeof want, "/names.c:%d\n", bug_line);
  CHECK (strstr (doc, want) != NULL, "the chapter's mtrace output names "
	 "names.c:%d", bug_line);
  snprintf (want, sizeof want, "copy_name (names.c:%d)", bug_line);
  CHECK (strstr (doc, want) != NULL, "the chapter's memcheck report names "
	 "%s", want);
  s = strstr (doc, "allocated by line");
  CHECK (s != NULL && atoi (s + strlen ("allocated by line")) == bug_line,
	 "the chapter's text says line %d", bug_line);
  free (listing);
  free (doc);
  free (src);
}

/* How many times NEEDLE occurs in HAY.  */
static int
count (const char *hay, const char *needle)
{
  int n = 0;

  while ((hay = strstr (hay, needle)) != NULL)
    {
      n++;
      hay += strlen (needle);
    }
  return n;
}

/* The executable that names' trace records as the caller (the real
   program behind the libtool wrapper), from the trace TEXT.  */
static int
traced_object (const char *text, char *obj, size_t len)
{
  const char *at = strstr (text, "\n@ ");
  const char *br = at != NULL ? strstr (at, ":[") : NULL;

  if (br == NULL || (size_t) (br - (at + 3)) >= len)
    return 0;
  memcpy (obj, at + 3, (size_t) (br - (at + 3)));
  obj[br - (at + 3)] = '\0';
  return 1;
}

int
main (void)
{
  static const char expected_err[] =
    "names: copy_name (\"Ada\") damaged its block\n"
    "names: copy_name (\"Grace\") damaged its block\n"
    "names: copy_name (\"Ada\") damaged its block\n"
    "names: copy_name (\"Alan\") damaged its block\n"
    "names: the heap is damaged\n"
    "names: the heap is damaged\n"
    "names: the heap is damaged\n" "names: blocks still allocated: 1\n";
  char exe[PATH_MAX], obj[PATH_MAX], cmd[4 * PATH_MAX], want[64];
  char *out, *err, *text, *slash;
  int st, bug_line;
  ssize_t n;

  /* names sits next to this program (one folder up from .libs).  */
  n = readlink ("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0)
    mmt_fatal ("cannot read /proc/self/exe");
  exe[n] = '\0';
  slash = strrchr (exe, '/');
  *slash = '\0';
  if (strcmp (slash - 5, "/.libs") == 0)
    slash[-5] = '\0';
  snprintf (names, sizeof names, "%s/names", exe);
  if (access (names, X_OK) != 0)
    mmt_fatal ("%s is not there", names);
  /* The build tree's libtool runs the program behind the wrapper with
     its libraries; without it (a static build) the program is run
     directly.  */
  snprintf (libtool, sizeof libtool, "%s/../../libtool", exe);
  if (access (libtool, X_OK) != 0)
    libtool[0] = '\0';
  snprintf (source, sizeof source, "%s", __FILE__);
  slash = strrchr (source, '/');
  snprintf (slash != NULL ? slash + 1 : source,
	    sizeof source - (size_t) (slash != NULL ? slash + 1 - source : 0),
	    "names.c");
  bug_line = source_line ("char *p = mmalloc (md, strlen (s));");
  if (bug_line == 0)
    mmt_fatal ("cannot find copy_name's mmalloc in %s", source);
  check_chapter (bug_line, expected_err);
  if (getcwd (dir, sizeof dir - 40) == NULL)
    mmt_fatal ("getcwd: %s", strerror (errno));
  snprintf (dir + strlen (dir), 40, "/check-worked-%ld.tmp",
	    (long) getpid ());
  if (mkdir (dir, 0700) != 0)
    mmt_fatal ("mkdir %s: %s", dir, strerror (errno));

  /* The plain run: nothing to see.  */
  snprintf (cmd, sizeof cmd, "'%s' " ARGS, names);
  st = run (cmd, &out, &err);
  if (!CHECK (st == 0 && strcmp (out, "Alan\nGrace\nAda\n") == 0
	      && err[0] == '\0', "a plain run prints Alan, Grace, Ada and "
	      "nothing else (status %d)", st))
    mmt_note ("stdout:\n%s\nstderr:\n%s", out, err);
  free (out);
  free (err);

  /* The debugging aids.  */
  snprintf (cmd, sizeof cmd, "NAMES_DEBUG=1 '%s' " ARGS, names);
  st = run (cmd, &out, &err);
  CHECK (st == 0 && strcmp (out, "Alan\nGrace\nAda\n") == 0,
	 "NAMES_DEBUG: the same names on stdout");
  CHECK (count (err, "damaged its block") == 4, "NAMES_DEBUG: mmprobe "
	 "finds the block damaged after each of the 4 copy_name calls");
  CHECK (count (err, "the heap is damaged") == 3, "NAMES_DEBUG: the abort "
	 "function is called exactly 3 times (%d)",
	 count (err, "the heap is damaged"));
  CHECK (strstr (err, "blocks still allocated: 1\n") != NULL,
	 "NAMES_DEBUG: mmstats counts one block still allocated");
  if (!CHECK (strcmp (err, expected_err) == 0, "NAMES_DEBUG: stderr is "
	      "exactly the chapter's eight lines (mmalloc_check silent)"))
    mmt_note ("stderr:\n%s", err);
  free (out);
  free (err);

  /* mtrace.  */
  snprintf (cmd, sizeof cmd, "MALLOC_TRACE=names.trace '%s' " ARGS, names);
  st = run (cmd, &out, &err);
  free (out);
  free (err);
  snprintf (obj, sizeof obj, "%s/names.trace", dir);
  text = slurp (obj);
  if (!CHECK (st == 0 && text != NULL && strncmp (text, "= Start\n", 8)
	      == 0, "MALLOC_TRACE: names writes a trace"))
    mmt_exit ();
  if (!traced_object (text, obj, sizeof obj))
    mmt_fatal ("no caller in the trace");
  free (text);
  if (system ("command -v mtrace >/dev/null 2>&1 "
	      "&& command -v perl >/dev/null 2>&1") != 0)
    mmt_unsupported ("mtrace lists the leak (mtrace or perl missing)");
  else
    {
      char *line;
      snprintf (cmd, sizeof cmd, "mtrace '%s' names.trace", obj);
      st = run (cmd, &out, &err);
      printf ("%s", out);
      CHECK (WIFEXITED (st) && WEXITSTATUS (st) == 1, "mtrace exits with "
	     "status 1");
      line = strstr (out, "Memory not freed:");
      CHECK (line != NULL && count (line, "\n0x") == 1, "mtrace lists "
	     "exactly one block not freed");
      /* mtrace names the line of the code the call returns to: the
	 call's line with gcc, the next statement's with clang.  */
      line = line != NULL ? strstr (line, "\n0x") : NULL;
      {
	const char *at = line != NULL ? strstr (line, "/names.c:") : NULL;
	int l = at != NULL ? atoi (at + strlen ("/names.c:")) : 0;
	CHECK (line != NULL && strstr (line, "     0x3  at ") != NULL
	       && l >= bug_line && l <= bug_line + 2, "mtrace: the leak is 3 "
	       "bytes, allocated at names.c:%d (copy_name's mmalloc, or the "
	       "next statement; want %d-%d)", l, bug_line, bug_line + 2);
      }
      free (out);
      free (err);
    }

  /* memcheck.  */
#if !defined HAVE_VALGRIND || (defined MMALLOC_SANITIZERS && MMALLOC_SANITIZERS)
  mmt_unsupported ("memcheck's report on names (built without valgrind "
		   "client requests, or with sanitizers)");
#else
  if (system ("valgrind --version >/dev/null 2>&1") != 0)
    mmt_unsupported ("memcheck's report on names (valgrind missing)");
  else
    {
      if (libtool[0] != '\0')
	snprintf (cmd, sizeof cmd, "'%s' --mode=execute valgrind -q "
		  "--leak-check=full '%s' " ARGS, libtool, names);
      else
	snprintf (cmd, sizeof cmd, "valgrind -q --leak-check=full '%s' "
		  ARGS, obj);
      st = run (cmd, &out, &err);
      if (strstr (err, "Serious error when reading debug info") != NULL)
	{
	  /* valgrind before 3.20 cannot read DWARF 5 (clang's default).  */
	  mmt_unsupported ("memcheck's report on names (this valgrind "
			   "cannot read the program's debug info)");
	  free (out);
	  free (err);
	  goto done;
	}
      if (strstr (err, "Fatal error at startup") != NULL)
	{
	  /* memcheck on a 32-bit build on a 64-bit system without the
	     32-bit C library's debug information (libc6-dbg:i386).  */
	  mmt_unsupported ("memcheck's report on names (valgrind cannot "
			   "run the program: fatal error at startup)");
	  free (out);
	  free (err);
	  goto done;
	}
      CHECK (strcmp (out, "Alan\nGrace\nAda\n") == 0, "valgrind: names "
	     "prints the same");
      snprintf (want, sizeof want, "copy_name (names.c:%d)", bug_line);
      CHECK (count (err, "definitely lost") == 1
	     && strstr (err, "3 bytes in 1 blocks are definitely lost")
	     != NULL, "valgrind: memcheck reports the 3 bytes lost");
      CHECK (strstr (err, want) != NULL
	     && strstr (err, "add_name (names.c:") != NULL
	     && strstr (err, "main (names.c:") != NULL, "valgrind: the "
	     "leak's stack is %s, add_name, main", want);
      CHECK (strstr (err, "Invalid") == NULL, "valgrind: no other error "
	     "(memcheck does not see a one-byte overrun inside a block's "
	     "slot, as the chapter says)");
      printf ("%s", err);
      free (out);
      free (err);
    }
#endif

#if defined HAVE_VALGRIND && !(defined MMALLOC_SANITIZERS && MMALLOC_SANITIZERS)
done:
#endif
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system (cmd) != 0)
    mmt_note ("could not remove %s", dir);
  mmt_exit ();
}
