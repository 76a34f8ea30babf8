/* selftest-exit.c -- runner self-test: exit status 1 after a PASS line.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include "mmtest.h"

int
main (void)
{
  mmt_pass ("before exit (1)");
  exit (1);
}
