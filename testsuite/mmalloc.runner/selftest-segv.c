/* selftest-segv.c -- runner self-test: a program that segfaults.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <signal.h>

#include "mmtest.h"

int
main (void)
{
  mmt_pass ("before the segfault");
  /* A real invalid access through a pointer the compiler cannot see
     through, then a raise in case the access did not fault.  */
  int *volatile p = NULL;
  *(volatile int *) p = 1;
  raise (SIGSEGV);
  return 0;
}
