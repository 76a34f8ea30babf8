/* mmtrace.c -- tracing allocations for glibc's mtrace(1).
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* GNU's mmtrace was dead code returning 1.  Ours writes the trace format
   glibc's mtrace script reads ("@ caller + address size", "- address",
   "< old" and "> new size" for a resize), for the default heap and for
   heaps attached with MMALLOC_TRACE, to the file $MALLOC_TRACE names.
   Callers are written as "object:[offset]", the offset inside the
   executable or shared object, which is what addr2line needs for
   position-independent code; so `mtrace PROGRAM FILE' lists leaks with
   their source lines.  Each record is one write(2) to a file opened
   with O_APPEND: records of different threads never interleave, and
   nothing here allocates (this code may be running inside malloc).  */

#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "mmprivate.h"

int mmi_tracing;
static int trace_fd = -1;

/* Append "0x" and the hex digits of V to BUF at *N.  */
static void
put_hex (char *buf, size_t *n, uintptr_t v)
{
  char tmp[2 * sizeof v];
  int i = 0;

  buf[(*n)++] = '0';
  buf[(*n)++] = 'x';
  do
    tmp[i++] = "0123456789abcdef"[v & 15];
  while ((v >>= 4) != 0);
  while (i > 0)
    buf[(*n)++] = tmp[--i];
}

static void
put_str (char *buf, size_t *n, size_t cap, const char *s)
{
  size_t len = strlen (s);

  if (len > cap - *n - 64)
    len = cap - *n - 64;
  memcpy (buf + *n, s, len);
  *n += len;
}

/* Record operation OP ('+', '-', '>' for a resize) on heap H by the code
   at CALLER: block P (of SIZE bytes), replacing OLD for a resize.  */
void
mmi_trace (struct mm_heap *h, int op, void *caller, void *p, void *old,
	   size_t size)
{
  char buf[1024];
  size_t n = 0;
  Dl_info info;
  int fd = __atomic_load_n (&trace_fd, __ATOMIC_ACQUIRE);

  if (fd < 0 || h == NULL || !h->traced || (p == NULL && op != '>'))
    return;
  buf[n++] = '@';
  buf[n++] = ' ';
  if (dladdr (caller, &info) != 0 && info.dli_fname != NULL
      && info.dli_fname[0] != '\0')
    {
      put_str (buf, &n, sizeof buf, info.dli_fname);
      buf[n++] = ':';
      buf[n++] = '[';
      put_hex (buf, &n, (uintptr_t) caller - (uintptr_t) info.dli_fbase);
    }
  else
    {
      buf[n++] = '[';
      put_hex (buf, &n, (uintptr_t) caller);
    }
  buf[n++] = ']';
  buf[n++] = ' ';
  if (op == '>')
    {
      /* A resize is the old block's end and the new block's start; a
	 failed one (P null) changed nothing.  */
      size_t head = n;
      if (p == NULL)
	return;
      buf[n++] = '<';
      buf[n++] = ' ';
      put_hex (buf, &n, (uintptr_t) old);
      buf[n++] = '\n';
      memcpy (buf + n, buf, head);
      n += head;
    }
  buf[n++] = (char) op;
  buf[n++] = ' ';
  put_hex (buf, &n, (uintptr_t) p);
  if (op != '-')
    {
      buf[n++] = ' ';
      put_hex (buf, &n, size);
    }
  buf[n++] = '\n';
  while (write (fd, buf, n) < 0 && errno == EINTR)
    continue;
}

int
mmtrace (void)
{
  const char *name = getenv ("MALLOC_TRACE");
  int fd;

  if (__atomic_load_n (&trace_fd, __ATOMIC_ACQUIRE) >= 0)
    return 0;			/* already tracing */
  if (name == NULL || name[0] == '\0')
    return 1;
  fd = open (name, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
	     0666);
  if (fd < 0)
    return 1;
  if (write (fd, "= Start\n", 8) != 8)
    {
      close (fd);
      return 1;
    }
  __atomic_store_n (&trace_fd, fd, __ATOMIC_RELEASE);
  __atomic_store_n (&mmi_tracing, 1, __ATOMIC_RELEASE);
  mmi_tc_disable_all ();	/* every operation must be seen */
  return 0;
}
