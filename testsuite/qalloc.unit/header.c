/* header.c -- qalloc.md section 6, H38 and H39: the header compiles as
   C89, C99 and C11, and as C++ (98 and 17, the declarations with C
   linkage), with -pedantic-errors; it does not force _FILE_OFFSET_BITS
   on a caller that included system headers first.  The compilers are
   run on the header in the source tree.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include "qtest.h"

/* A translation unit that uses every declaration with its exact type.  */
static const char source[] =
  "#include <stdio.h>\n"
  "#include <sys/types.h>\n"
  "#ifdef _FILE_OFFSET_BITS\n"
  "# define FOB 1\n"
  "#else\n"
  "# define FOB 0\n"
  "#endif\n"
  "#include <qthread/qalloc.h>\n"
  "#if defined _FILE_OFFSET_BITS != FOB\n"
  "# error the header changed _FILE_OFFSET_BITS\n"
  "#endif\n"
  "#ifndef QALLOC_H\n"
  "# error no include guard QALLOC_H\n"
  "#endif\n"
  "void *(*mk_stat) (const off_t, void *, const char *, size_t,\n"
  "                  const size_t) = qalloc_makestatmap;\n"
  "void *(*mk_dyn) (const off_t, void *, const char *, const size_t)\n"
  "  = qalloc_makedynmap;\n"
  "void *(*load) (const char *) = qalloc_loadmap;\n"
  "void (*ckpt) (void) = qalloc_checkpoint;\n"
  "void (*clean) (void) = qalloc_cleanup;\n"
  "void *(*smalloc) (mapinfo_t *) = qalloc_statmalloc;\n"
  "void *(*dmalloc) (dynmapinfo_t *, size_t) = qalloc_dynmalloc;\n"
  "void *(*gmalloc) (void *, size_t) = qalloc_malloc;\n"
  "void (*sfree) (void *, mapinfo_t *) = qalloc_statfree;\n"
  "void (*dfree) (void *, dynmapinfo_t *) = qalloc_dynfree;\n"
  "void (*gfree) (void *, void *) = qalloc_free;\n"
  "struct mapinfo_s *s1; mapinfo_t *s2;\n"
  "struct dynmapinfo_s *d1; dynmapinfo_t *d2;\n";

/* Run a compiler: COMPILER LANGFLAGS on the source, as language LANG
   (c or c++).  Returns its exit status, or -1 when it was not found.  */
static int
compile (const char *compiler, const char *lang, const char *flags)
{
  char file[64], cmd[1024];
  FILE *f;
  int rc;

  snprintf (file, sizeof file, "header-%ld.tmp", (long) getpid ());
  f = fopen (file, "w");
  if (f == NULL)
    mmt_fatal ("cannot write %s", file);
  fputs (source, f);
  if (strcmp (lang, "c++") == 0)
    fputs ("extern \"C\" void *qalloc_loadmap (const char *);\n", f);
  fclose (f);
  snprintf (cmd, sizeof cmd,
	    "%s -x %s %s -pedantic-errors -Wall -Wextra -Werror -fsyntax-only"
	    " -I'%s' %s", compiler, lang, flags, QT_INCLUDE_DIR, file);
  mmt_note ("%s", cmd);
  rc = system (cmd);
  unlink (file);
  if (rc == -1 || !WIFEXITED (rc))
    return -2;
  return WEXITSTATUS (rc);
}

static int
have (const char *prog)
{
  char cmd[256];

  snprintf (cmd, sizeof cmd, "command -v %s > /dev/null 2>&1", prog);
  return system (cmd) == 0;
}

int
main (void)
{
  static const char *const cstd[] = { "-std=c89", "-std=c99", "-std=c11" };
  static const char *const cxxstd[] = { "-std=c++98", "-std=c++17" };
  const char *cxx = have ("g++") ? "g++" : have ("clang++") ? "clang++"
    : have ("c++") ? "c++" : NULL;
  size_t i;

  for (i = 0; i < 3; i++)
    CHECK (compile (QT_CC, "c", cstd[i]) == 0,
	   "H38: the header compiles with %s %s -pedantic-errors", QT_CC,
	   cstd[i]);
  if (cxx == NULL)
    mmt_unsupported ("H38: no C++ compiler found");
  else
    for (i = 0; i < 2; i++)
      CHECK (compile (cxx, "c++", cxxstd[i]) == 0,
	     "H38: the header compiles as C++ with %s %s, with C linkage",
	     cxx, cxxstd[i]);
  /* A source that includes system headers with 32-bit off_t asked for
     would be broken by a header forcing 64 bits: the check in the
     source catches any change of _FILE_OFFSET_BITS.  */
  CHECK (compile (QT_CC, "c", "-std=c99 -D_FILE_OFFSET_BITS=32") == 0,
	 "H39: the header keeps a caller's _FILE_OFFSET_BITS=32");
  mmt_exit ();
}
