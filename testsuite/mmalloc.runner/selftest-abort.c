/* selftest-abort.c -- runner self-test: a program that aborts.

   Its one PASS line must not hide the abort: the runner reports the
   program as failed (run with mm_run_unit_xfail: XFAIL).
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include "mmtest.h"

int
main (void)
{
  mmt_pass ("before abort");
  abort ();
}
