/* header.c -- issue 7, "Old code": <mmalloc.h> compiles under
   -std=gnu89, -std=c89 -pedantic-errors, -std=c11 -pedantic-errors and
   as C++ (98 and 17, with C linkage), always with -Wall -Wextra
   -Werror; it supplies PTR and PARAMS when the includer has not, and
   keeps the includer's (or ansidecl.h's) when they came first; K&R-style
   callers compile; mrealloc and mfree fit GDB's and ocaml-ancient's
   callback types exactly.  The compilers run on small sources written
   here.  Every case that must compile has a twin that must not (the
   same source without what makes it work, or with a deliberate error
   the flags must catch), so no case can pass because of the way the
   compiler was run.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include "mmtest.h"

#ifndef CH_CC
# define CH_CC "cc"
#endif
#ifndef CH_MMALLOC_DIR
# define CH_MMALLOC_DIR "../mmalloc"
#endif
#ifndef CH_SRCDIR
# define CH_SRCDIR "."
#endif

/* Uses of every GNU function with its exact type, through the callback
   types of GDB (PTR and PARAMS) and of ocaml-ancient's area.  */
static const char uses[] =
  "typedef PTR (*gdb_realloc_ftype) PARAMS ((PTR, PTR, size_t));\n"
  "typedef void (*gdb_free_ftype) PARAMS ((PTR, PTR));\n"
  "gdb_realloc_ftype gdb_realloc = mrealloc;\n"
  "gdb_free_ftype gdb_free = mfree;\n"
  "struct area\n"
  "{\n"
  "  void *ptr;\n"
  "  size_t n, size;\n"
  "  void *(*realloc) (void *data, void *ptr, size_t size);\n"
  "  void (*free) (void *data, void *ptr);\n"
  "  void *data;\n"
  "};\n"
  "struct area ancient_area = { 0, 0, 0, mrealloc, mfree, 0 };\n"
  "void *(*p_mmalloc) (void *, size_t) = mmalloc;\n"
  "void *(*p_mcalloc) (void *, size_t, size_t) = mcalloc;\n"
  "void *(*p_mmemalign) (void *, size_t, size_t) = mmemalign;\n"
  "void *(*p_mvalloc) (void *, size_t) = mvalloc;\n"
  "int (*p_mmcheck) (void *, void (*) (void)) = mmcheck;\n"
  "int (*p_mmcheckf) (void *, void (*) (void), int) = mmcheckf;\n"
  "struct mstats (*p_mmstats) (void *) = mmstats;\n"
  "int (*p_mmtrace) (void) = mmtrace;\n"
  "void *(*p_attach) (int, void *) = mmalloc_attach;\n"
  "void *(*p_detach) (void *) = mmalloc_detach;\n"
  "int (*p_setkey) (void *, int, void *) = mmalloc_setkey;\n"
  "void *(*p_getkey) (void *, int) = mmalloc_getkey;\n"
  "int (*p_errno) (void *) = mmalloc_errno;\n"
  "void *(*p_findbase) (int) = mmalloc_findbase;\n"
  "PTR xmmalloc PARAMS ((PTR md, long size));\n"
  "#if !defined PTR || !defined PARAMS || MMALLOC_KEYS != 16\n"
  "# error PTR, PARAMS or MMALLOC_KEYS missing\n"
  "#endif\n";

/* K&R callers, as GDB-era files were: unprototyped redeclarations
   and old-style definitions calling with int and long arguments.  */
static const char kr_callers[] =
  "extern PTR mmalloc ();\n"
  "extern PTR mrealloc ();\n"
  "extern void mfree ();\n"
  "PTR\n"
  "get_block (md, n)\n"
  "     PTR md;\n"
  "     int n;\n"
  "{\n"
  "  return mmalloc (md, n);\n"
  "}\n"
  "PTR\n"
  "grow_block (md, p, n)\n"
  "     PTR md;\n"
  "     PTR p;\n"
  "     long n;\n"
  "{\n"
  "  return mrealloc (md, p, n);\n"
  "}\n"
  "void\n"
  "put_block (md, p)\n"
  "     PTR md;\n"
  "     char *p;\n"
  "{\n"
  "  mfree (md, p);\n"
  "}\n";

/* A K&R definition matching a PARAMS declaration only when PARAMS
   expands to () as K&R-era ansidecl.h made it.  */
static const char kr_params[] =
  "int add PARAMS ((int));\n"
  "int add (a, b) int a, b; { return a + b; }\n";

/* Holds only when PTR is the includer's char *.  */
static const char ptr_is_char[] =
  "typedef char ptr_is_char[__builtin_types_compatible_p (PTR, char *)"
  " ? 1 : -1];\n"
  "char *block (void) { return (char *) mmalloc (0, 1); }\n";

/* C++: the functions have C linkage (a redeclaration with other linkage
   would not compile).  */
static const char cxx_linkage[] =
  "extern \"C\" void *mrealloc (void *, void *, size_t);\n"
  "extern \"C\" void mfree (void *, void *);\n";

/* Write the source of one case (PARTS, NULL-terminated) to a file and
   compile it as LANG with FLAGS.  Returns 0 when it compiled.  */
static int
compile (const char *compiler, const char *lang, const char *flags,
	 int quiet, const char *const *parts)
{
  char file[64], cmd[2048];
  FILE *f;
  int rc;

  snprintf (file, sizeof file, "compat-header-%ld.tmp", (long) getpid ());
  f = fopen (file, "w");
  if (f == NULL)
    mmt_fatal ("cannot write %s", file);
  for (; *parts != NULL; parts++)
    fputs (*parts, f);
  fclose (f);
  snprintf (cmd, sizeof cmd,
	    "%s -x %s %s -Wall -Wextra -Werror -fsyntax-only -I'%s' -I'%s'"
	    " %s%s", compiler, lang, flags, CH_MMALLOC_DIR, CH_SRCDIR, file,
	    quiet ? " > /dev/null 2>&1" : "");
  mmt_note ("%s", cmd);
  rc = system (cmd);
  unlink (file);
  if (rc == -1 || !WIFEXITED (rc))
    return -1;
  return WEXITSTATUS (rc);
}

/* The case must compile.  */
static void
good (const char *what, const char *compiler, const char *lang,
      const char *flags, const char *const *parts)
{
  CHECK (compile (compiler, lang, flags, 0, parts) == 0,
	 "%s (%s %s)", what, compiler, flags);
}

/* The case must not compile.  */
static void
bad (const char *what, const char *compiler, const char *lang,
     const char *flags, const char *const *parts)
{
  int rc = compile (compiler, lang, flags, 1, parts);

  CHECK (rc > 0, "%s (%s %s; status %d)", what, compiler, flags, rc);
}

static int
have (const char *prog)
{
  char cmd[256];

  snprintf (cmd, sizeof cmd, "command -v %s > /dev/null 2>&1", prog);
  return system (cmd) == 0;
}

#define SRC(...) ((const char *const[]) { __VA_ARGS__, NULL })

int
main (void)
{
  static const char *const cstd[] = {
    "-std=gnu89", "-std=c89 -pedantic-errors", "-std=c11 -pedantic-errors"
  };
  static const char *const cxxstd[] = {
    "-std=c++98 -pedantic-errors", "-std=c++17 -pedantic-errors"
  };
  const char *cc = CH_CC;
  const char *cxx = have ("g++") ? "g++" : NULL;
  const char *mm = "#include <mmalloc.h>\n";
  const char *ad = "#include \"ansidecl.h\"\n";
  const char *sd = "#include <stddef.h>\n";
  size_t i;

  for (i = 0; i < 3; i++)
    good ("every declaration, through GDB's and ocaml-ancient's callback"
	  " types", cc, "c", cstd[i], SRC (mm, uses));
  bad ("control: the flags reject what the standard does not allow", cc,
       "c", cstd[1], SRC (mm, uses, "long long too_new;\n"));
  good ("PTR and PARAMS come from <mmalloc.h>", cc, "c", cstd[0],
	SRC (mm, "PTR p; int f PARAMS ((int));\n"));
  bad ("control: without <mmalloc.h> there is no PTR or PARAMS", cc, "c",
       cstd[0], SRC (sd, "PTR p; int f PARAMS ((int));\n"));

  good ("K&R callers, with unprototyped redeclarations", cc, "c", cstd[0],
	SRC (mm, kr_callers));
  bad ("control: a K&R caller that does not match the prototype", cc, "c",
       cstd[0], SRC (mm, kr_callers,
		     "PTR two (md) PTR md; { return mmalloc (md); }\n"));

  /* ansidecl.h first: its definitions stay, with no redefinition.  */
  good ("ansidecl.h before <mmalloc.h>", cc, "c", cstd[0],
	SRC (ad, mm, uses));
  good ("ansidecl.h before <mmalloc.h>", cc, "c", cstd[2],
	SRC (ad, mm, uses));
  good ("an includer's PTR (char *) is kept", cc, "c", cstd[0],
	SRC ("#define PTR char *\n", mm, ptr_is_char));
  bad ("control: <mmalloc.h>'s own PTR is not char *", cc, "c", cstd[0],
       SRC (mm, ptr_is_char));
  good ("an includer's K&R PARAMS (expanding to ()) is kept", cc, "c",
	cstd[0], SRC ("#define PARAMS(paramlist) ()\n", mm, kr_params));
  bad ("control: <mmalloc.h>'s own PARAMS keeps the prototype", cc, "c",
       cstd[0], SRC (mm, kr_params));

  /* ansidecl.h after <mmalloc.h>: GNU's mmalloc.h included ansidecl.h
     itself, so the order never mattered; ours defines the macros
     exactly as ansidecl.h does, so the redefinition is allowed.  */
  good ("ansidecl.h after <mmalloc.h>", cc, "c", cstd[0],
	SRC (mm, ad, uses));
  good ("ansidecl.h after <mmalloc.h>", cc, "c", cstd[2],
	SRC (mm, ad, uses));

  /* The callback types hold exactly mrealloc and mfree.  */
  bad ("control: mrealloc does not fit a two-argument realloc type", cc,
       "c", cstd[2],
       SRC (mm, "void *(*r) (void *, size_t) = mrealloc;\n"));
  bad ("control: mfree does not fit a one-argument free type", cc, "c",
       cstd[2], SRC (mm, "void (*f) (void *) = mfree;\n"));

  if (cxx == NULL)
    mmt_unsupported ("C++: g++ is not installed");
  else
    {
      for (i = 0; i < 2; i++)
	{
	  good ("C++: every declaration, with C linkage", cxx, "c++",
		cxxstd[i], SRC (mm, uses, cxx_linkage));
	  good ("C++: ansidecl.h before <mmalloc.h>", cxx, "c++", cxxstd[i],
		SRC (ad, mm, uses));
	}
      bad ("C++ control: mrealloc does not fit a two-argument realloc"
	   " type", cxx, "c++", cxxstd[1],
	   SRC (mm, "void *(*r) (void *, size_t) = mrealloc;\n"));
      bad ("C++ control: without <mmalloc.h> there is no PTR", cxx, "c++",
	   cxxstd[1], SRC (sd, uses));
    }
  mmt_exit ();
}
