/* gnu89.c -- issue 7, "Old code": a GDB-era caller built with
   -std=gnu89 (see local.am) that includes ansidecl.h before
   <mmalloc.h>, as GDB's defs.h did, or not at all (built twice: with
   and without -DWITH_ANSIDECL).  It declares its helpers with PARAMS,
   defines them K&R style, redeclares mmalloc and mfree without
   prototypes as old sources did, keeps mrealloc and mfree in GDB-style
   and unprototyped callback variables, and then really allocates,
   grows and frees through all of them.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#ifdef WITH_ANSIDECL
# include "ansidecl.h"
#endif
#include <mmalloc.h>
#include "mmtest.h"

#if !defined PTR || !defined PARAMS
# error "PTR and PARAMS must be defined after <mmalloc.h>"
#endif
#if defined WITH_ANSIDECL && !defined ANSI_PROTOTYPES
# error "ansidecl.h's definitions are gone"
#endif

extern PTR mmalloc ();		/* As old sources redeclared them.  */
extern void mfree ();

typedef PTR (*realloc_ftype) PARAMS ((PTR, PTR, size_t));
typedef void (*free_ftype) PARAMS ((PTR, PTR));

static realloc_ftype gdb_realloc = mrealloc;
static free_ftype gdb_free = mfree;
static PTR (*kr_realloc) () = mrealloc;

static PTR get_block PARAMS ((PTR, int));
static char *save_string PARAMS ((PTR, const char *));
static int count_keys PARAMS ((PTR));

static PTR
get_block (md, n)
     PTR md;
     int n;
{
  return mmalloc (md, n);	/* int to size_t through the prototype */
}

static char *
save_string (md, s)
     PTR md;
     const char *s;
{
  char *p = (char *) get_block (md, (int) strlen (s) + 1);

  if (p != 0)
    strcpy (p, s);
  return p;
}

static int
count_keys (md)
     PTR md;
{
  int i, n = 0;

  for (i = 0; i < MMALLOC_KEYS; i++)
    if (mmalloc_getkey (md, i) != 0)
      n++;
  return n;
}

int
main ()
{
  PTR md = mmalloc_attach (-1, (PTR) 0);
  char *s;
  char *t;

  if (md == 0)
    mmt_fatal ("mmalloc_attach (-1, 0): %s", strerror (errno));
  s = save_string (md, "a string in an anonymous heap");
  CHECK (s != 0 && strcmp (s, "a string in an anonymous heap") == 0,
	 "a K&R helper allocates through the header's prototype");
  t = (char *) (*gdb_realloc) (md, (PTR) s, (size_t) 100000);
  CHECK (t != 0 && strcmp (t, "a string in an anonymous heap") == 0,
	 "mrealloc through a PTR (*) PARAMS ((PTR, PTR, size_t)) variable");
  s = (char *) (*kr_realloc) (md, (PTR) t, (size_t) 10);
  CHECK (s != 0 && strncmp (s, "a string", 8) == 0,
	 "mrealloc through an unprototyped variable");
  CHECK (mmalloc_setkey (md, 3, (PTR) s) == 1 && count_keys (md) == 1,
	 "keys through PTR");
  (*gdb_free) (md, (PTR) s);
  mfree (md, (PTR) 0);
  CHECK (mmalloc_check (md) == 0 && mmstats (md).chunks_used == 0,
	 "the heap is sound and empty after mfree");
  CHECK (mmalloc_detach (md) == 0, "mmalloc_detach returns NULL");
  mmt_exit ();
}
