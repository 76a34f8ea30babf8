/* mmtest.h -- result reporting for the mmalloc testsuite's C programs.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc.

   mmalloc is free software; you can redistribute it and/or modify it
   under the terms of the GNU Lesser General Public License as published
   by the Free Software Foundation; either version 2.1 of the License, or
   (at your option) any later version.

   mmalloc is distributed in the hope that it will be useful, but WITHOUT
   ANY WARRANTY; without even the implied warranty of MERCHANTABILITY or
   FITNESS FOR A PARTICULAR PURPOSE.  See the GNU Lesser General Public
   License for more details.

   You should have received a copy of the GNU Lesser General Public
   License along with mmalloc; if not, see <https://www.gnu.org/licenses/>.  */

/* Our replacement for <dejagnu.h>, without its pitfalls (a global
   `wait' that clashes with <sys/wait.h>, one includer per program,
   xfail counted as failure).  A test program prints one line per
   result in the DejaGnu unit-test protocol:

       <TAB>PASSED: text       mmt_pass ("text")
       <TAB>FAILED: text       mmt_fail ("text")
       <TAB>XFAILED: text      mmt_xfail ("text")
       <TAB>XPASSED: text      mmt_xpass ("text")
       <TAB>UNTESTED: text     mmt_untested ("text")
       <TAB>UNRESOLVED: text   mmt_unresolved ("text")
       <TAB>UNSUPPORTED: text  mmt_unsupported ("text")
       <TAB>NOTE: text         mmt_note ("text")

   and lib/mmtest.exp turns them into DejaGnu results, prefixed with the
   program's name; keep the texts unique within a program.  Every
   function takes printf arguments and flushes stdout, so no result is
   lost when the program crashes afterwards and none is printed twice
   by a forked child.

   CHECK (cond, fmt, ...) reports a PASS or a FAIL named by FMT and
   yields COND's truth value.  mmt_fatal reports a FAIL and exits with
   status 1 (for a test that cannot go on).  mmt_exit ends the program;
   it prints no totals (DejaGnu counts), and exits with status 0: a
   failure is already on record as its FAILED line.  The runner also
   turns any crash, non-zero exit or hang into a FAIL.

   Processes: fork with mmt_fork, which flushes stdout first and makes
   the child die with its parent (so a crashed or timed-out test leaves
   no orphan behind), and end children with mmt_child_exit (or _exit)
   -- not exit, which would run the parent's atexit handlers.  A child
   may print result lines too; keep their texts distinct from the
   parent's.  mmt_wait reaps a child and reports how it ended.  */

#ifndef MMTEST_H
#define MMTEST_H 1

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
# include <sys/prctl.h>
#endif

#if defined __GNUC__ || defined __clang__
# define MMT_PRINTF(f, a) __attribute__ ((__format__ (__printf__, f, a)))
# define MMT_NORETURN __attribute__ ((__noreturn__))
# define MMT_UNUSED __attribute__ ((__unused__))
#else
# define MMT_PRINTF(f, a)
# define MMT_NORETURN
# define MMT_UNUSED
#endif

/* Results reported by this process so far.  */
static int mmt_passes MMT_UNUSED;
static int mmt_failures MMT_UNUSED;

/* Print one protocol line: TAB, KIND, ": ", then FMT with AP.  */
static inline void
mmt_vreport (const char *kind, const char *fmt, va_list ap)
{
  int saved = errno;		/* Reporting must not disturb errno.  */

  printf ("\t%s: ", kind);
  vprintf (fmt, ap);
  putchar ('\n');
  fflush (stdout);
  errno = saved;
}

#define MMT_DEFINE_REPORTER(name, kind, counter)			\
  static inline MMT_PRINTF (1, 2) void					\
  name (const char *fmt, ...)						\
  {									\
    va_list ap;								\
    va_start (ap, fmt);							\
    mmt_vreport (kind, fmt, ap);					\
    va_end (ap);							\
    counter;								\
  }

MMT_DEFINE_REPORTER (mmt_pass, "PASSED", mmt_passes++)
MMT_DEFINE_REPORTER (mmt_fail, "FAILED", mmt_failures++)
MMT_DEFINE_REPORTER (mmt_xfail, "XFAILED", (void) 0)
MMT_DEFINE_REPORTER (mmt_xpass, "XPASSED", mmt_failures++)
MMT_DEFINE_REPORTER (mmt_untested, "UNTESTED", (void) 0)
MMT_DEFINE_REPORTER (mmt_unresolved, "UNRESOLVED", mmt_failures++)
MMT_DEFINE_REPORTER (mmt_unsupported, "UNSUPPORTED", (void) 0)
MMT_DEFINE_REPORTER (mmt_note, "NOTE", (void) 0)

/* Report a PASS if COND holds, else a FAIL; the text is FMT with its
   arguments.  Returns COND's truth value (0 or 1).  */
static inline MMT_PRINTF (2, 3) int
mmt_check (int cond, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  mmt_vreport (cond ? "PASSED" : "FAILED", fmt, ap);
  va_end (ap);
  if (cond)
    mmt_passes++;
  else
    mmt_failures++;
  return cond;
}

#define CHECK(cond, ...) mmt_check ((cond) ? 1 : 0, __VA_ARGS__)

/* End the test program (status 0; see above).  */
static inline MMT_NORETURN void
mmt_exit (void)
{
  fflush (stdout);
  fflush (stderr);
  exit (0);
}

/* Report a FAIL and end the program with status 1.  */
static inline MMT_PRINTF (1, 2) MMT_NORETURN void
mmt_fatal (const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  mmt_vreport ("FAILED", fmt, ap);
  va_end (ap);
  exit (1);
}

/* Flush stdio, then fork.  In the child, arrange to be killed when the
   parent dies.  Returns what fork returns.  */
static inline pid_t
mmt_fork (void)
{
  pid_t parent = getpid ();
  pid_t pid;

  fflush (stdout);
  fflush (stderr);
  pid = fork ();
#ifdef __linux__
  if (pid == 0)
    {
      prctl (PR_SET_PDEATHSIG, SIGKILL);
      if (getppid () != parent)	/* The parent died before prctl.  */
	_exit (1);
    }
#else
  (void) parent;
#endif
  return pid;
}

/* End a forked child with STATUS, without atexit handlers.  */
static inline MMT_NORETURN void
mmt_child_exit (int status)
{
  fflush (stdout);
  fflush (stderr);
  _exit (status);
}

/* Wait for child PID.  Returns its exit status (0-255), or 128 + the
   signal that killed it, or -1 when waitpid failed (with a NOTE).  */
static inline int
mmt_wait (pid_t pid)
{
  int status;

  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      {
	mmt_note ("waitpid (%ld): %s", (long) pid, strerror (errno));
	return -1;
      }
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return -1;
}

#endif /* MMTEST_H */
