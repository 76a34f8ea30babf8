/* gdbport.c -- GDB-era code, unchanged, on this mmalloc.

   This example shows the second kind of mmalloc user: old code
   written for GNU mmalloc, in the style of GDB 4's mapped symbol files
   (`gdb -mapped', which kept an objfile's symbol tables in a heap file
   named FOO.syms to reuse them in the next session).  It is K&R C
   using PTR and PARAMS from <mmalloc.h>, and is compiled with
   -std=gnu89.  It follows GDB's protocol: attach the file, read key 1
   (the base address of the heap), detach; then either attach again at
   that base, or pick a base with mmalloc_findbase, truncate the file
   and attach there.  Key 0 holds the root object, an `objfile' whose
   symbol names live in an obstack allocated from the heap through
   xmmalloc/mfree; consistency checks are turned on with mmcheckf
   before the first allocation, and mmtrace is called at start-up, as
   GDB did.  Nothing here needed changing for this library; the notes
   marked PORTING say what to check when porting such code.

   Copyright (C) 2026 The mmalloc developers.  This file is part of
   mmalloc; LGPL-2.1-or-later, see COPYING.  */

/* Usage: gdbport SYMSFILE [SYMBOL...]

   When SYMSFILE holds no symbols yet, reads a symbol table in the
   format of nm(1) from standard input into it ("Reading symbols");
   later runs find the symbols in the file ("Mapped symbols").  Then
   prints the value of each SYMBOL.  Try:
     nm /bin/ls > ls.nm                    (any object file will do)
     gdbport ls.syms main free < ls.nm
     gdbport ls.syms main free
   Build outside this tree with
     cc -std=gnu89 -o gdbport gdbport.c $(pkg-config --cflags --libs mmalloc)
   (set MALLOC_TRACE=FILE to get a trace of the default heap from
   mmtrace, which mtrace(1) reads).  */

#include <errno.h>
#include <fcntl.h>
#include <obstack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mmalloc.h>

/* As in GDB 4.17: force the checks on even when the heap is in use.  */
#define MMCHECK_FORCE 1

/* GDB's objfile flags that mattered for mapped files.  */
#define OBJF_MAPPED	1	/* The objfile lives in a heap file.  */
#define OBJF_SYMS	2	/* Its symbols have been read.  */

/* Which heap size GDB asked mmalloc_findbase for.  */
#define MAPPED_SIZE (20 * 1024 * 1024)

struct symbol
{
  char *name;			/* In the objfile's obstack.  */
  unsigned long value;
  char class;			/* The nm letter: T, D, B, ...  */
};

/* The root object, key 0 of the heap.  Everything it points to is in
   the same heap.  */
struct objfile
{
  char *name;
  int flags;
  PTR md;
  struct obstack symbol_obstack;
  struct symbol *symbols;
  int nsymbols;
  int allocated;
};

/* The prototypes of the GDB era, through PARAMS.  */
extern PTR xmmalloc PARAMS ((PTR, long));
extern PTR xmrealloc PARAMS ((PTR, PTR, long));
extern char *mstrsave PARAMS ((PTR, const char *));
static void nomem PARAMS ((long));
static void malloc_botch PARAMS ((void));
static void init_malloc PARAMS ((PTR));
static PTR map_to_file PARAMS ((int));
static void read_symbols PARAMS ((struct objfile *, FILE *));
static struct symbol *lookup_symbol PARAMS ((struct objfile *, const char *));

static void
nomem (size)
     long size;
{
  fprintf (stderr, "virtual memory exhausted: can't allocate %ld bytes.\n",
	   size);
  exit (1);
}

/* The abort function of the checks.  */
static void
malloc_botch ()
{
  fprintf (stderr, "Memory corruption\n");
  abort ();
}

/* Allocate SIZE bytes from heap MD, or die.  PORTING: GDB passed a
   long; mmalloc takes a size_t, and the conversion is implicit.  */
PTR
xmmalloc (md, size)
     PTR md;
     long size;
{
  PTR val;

  if (size == 0)
    return NULL;
  val = mmalloc (md, size);
  if (val == NULL)
    nomem (size);
  return val;
}

PTR
xmrealloc (md, ptr, size)
     PTR md;
     PTR ptr;
     long size;
{
  PTR val;

  if (ptr != NULL)
    val = mrealloc (md, ptr, size);
  else
    val = mmalloc (md, size);
  if (val == NULL)
    nomem (size);
  return val;
}

/* A copy of STR in heap MD.  */
char *
mstrsave (md, str)
     PTR md;
     const char *str;
{
  size_t len = strlen (str) + 1;

  return (char *) memcpy (xmmalloc (md, (long) len), str, len);
}

/* Turn the checks on for heap MD (NULL: the default heap), and start
   tracing.  For a new heap this must come before its first allocation
   (or be forced); for a heap attached again, it installs this
   process's abort function -- the file does not keep one.  */
static void
init_malloc (md)
     PTR md;
{
  if (!mmcheckf (md, malloc_botch, MMCHECK_FORCE))
    fprintf (stderr, "warning: failed to install memory consistency"
	     " checks; configuration should define NO_MMCHECK or"
	     " MMCHECK_FORCE\n");
  /* PORTING: GNU mmalloc's mmtrace did nothing; ours writes a trace
     when MALLOC_TRACE is set, and returns 1 (as GNU's always did) when
     it is not.  */
  if (md == NULL)
    mmtrace ();
}

/* Attach the heap in FD the way GDB did, so that it maps at the same
   address every time.  Returns the descriptor, or NULL.  */
static PTR
map_to_file (fd)
     int fd;
{
  PTR md;
  PTR mapto;

  /* A first attach just to read key 1, the base the heap was placed
     at.  On an empty file this creates a heap, which is fine: it is
     truncated away below.  */
  md = mmalloc_attach (fd, (PTR) 0);
  if (md == NULL)
    return NULL;
  mapto = mmalloc_getkey (md, 1);
  /* PORTING: detach returns NULL on success, and never closes FD.  */
  if (mmalloc_detach (md) != NULL)
    return NULL;
  if (mapto != NULL)
    return mmalloc_attach (fd, mapto);

  /* A new file: choose a free address, start from an empty file, and
     remember the address in key 1.  */
  mapto = mmalloc_findbase (MAPPED_SIZE);
  if (mapto == NULL)
    return NULL;
  if (ftruncate (fd, 0) != 0)
    return NULL;
  md = mmalloc_attach (fd, mapto);
  if (md != NULL)
    mmalloc_setkey (md, 1, mapto);
  return md;
}

/* Read nm(1) lines "VALUE CLASS NAME" from IN into OBJFILE.  Undefined
   symbols (no value) are skipped.  */
static void
read_symbols (objfile, in)
     struct objfile *objfile;
     FILE *in;
{
  char line[1024], name[512];
  unsigned long value;
  char class;

  while (fgets (line, sizeof line, in) != NULL)
    {
      struct symbol *sym;
      size_t len;

      if (sscanf (line, "%lx %c %511s", &value, &class, name) != 3)
	continue;
      if (objfile->nsymbols == objfile->allocated)
	{
	  objfile->allocated = objfile->allocated ? 2 * objfile->allocated : 64;
	  objfile->symbols = (struct symbol *)
	    xmrealloc (objfile->md, (PTR) objfile->symbols,
		       (long) (objfile->allocated * sizeof (struct symbol)));
	}
      sym = &objfile->symbols[objfile->nsymbols++];
      len = strlen (name) + 1;
      /* The name goes into the obstack, whose chunks come from the
	 heap through xmmalloc.  */
      sym->name = (char *) obstack_copy (&objfile->symbol_obstack, name, len);
      sym->value = value;
      sym->class = class;
    }
  objfile->flags |= OBJF_SYMS;
}

static struct symbol *
lookup_symbol (objfile, name)
     struct objfile *objfile;
     const char *name;
{
  int i;

  for (i = 0; i < objfile->nsymbols; i++)
    if (strcmp (objfile->symbols[i].name, name) == 0)
      return &objfile->symbols[i];
  return NULL;
}

int
main (argc, argv)
     int argc;
     char **argv;
{
  struct objfile *objfile;
  struct mstats st;
  PTR md;
  int fd, i;

  if (argc < 2 || argv[1][0] == '-')
    {
      fprintf (stderr, "usage: gdbport SYMSFILE [SYMBOL...]\n");
      return 2;
    }

  /* GDB's main did this before anything was allocated.  */
  init_malloc ((PTR) NULL);

  /* As GDB created its .syms files.  */
  fd = open (argv[1], O_RDWR | O_CREAT, 0666);
  if (fd < 0)
    {
      perror (argv[1]);
      return 1;
    }
  md = map_to_file (fd);
  if (md == NULL)
    {
      fprintf (stderr, "%s: cannot map: %s\n", argv[1], strerror (errno));
      return 1;
    }

  objfile = (struct objfile *) mmalloc_getkey (md, 0);
  if (objfile != NULL)
    {
      /* An objfile from an earlier session.  The function pointers in
	 its obstack were this program's addresses in that session;
	 with address-space randomisation they differ now, so set them
	 again (GDB did the same), and install our abort function.  */
      init_malloc (md);
      obstack_chunkfun (&objfile->symbol_obstack, xmmalloc);
      obstack_freefun (&objfile->symbol_obstack, mfree);
      printf ("Mapped symbols for %s...done.\n", objfile->name);
    }
  else
    {
      /* A new mapped objfile: checks on before the first allocation.  */
      init_malloc (md);
      objfile = (struct objfile *) xmmalloc (md, (long) sizeof *objfile);
      memset (objfile, 0, sizeof *objfile);
      objfile->md = md;
      objfile->flags = OBJF_MAPPED;
      objfile->name = mstrsave (md, argv[1]);
      /* PORTING: glibc's obstack calls CHUNKFUN (ARG, long) and
	 FREEFUN (ARG, PTR): xmmalloc and mfree, with the heap as ARG.  */
      obstack_specify_allocation_with_arg (&objfile->symbol_obstack, 0, 0,
					   xmmalloc, mfree, md);
      mmalloc_setkey (md, 0, (PTR) objfile);
    }

  if (!(objfile->flags & OBJF_SYMS))
    {
      printf ("Reading symbols from %s...", objfile->name);
      read_symbols (objfile, stdin);
      printf ("done.\n");
    }

  st = mmstats (md);
  printf ("%d symbols in the mapped file at %p (%lu bytes in use)\n",
	  objfile->nsymbols, md, (unsigned long) st.bytes_used);
  for (i = 2; i < argc; i++)
    {
      struct symbol *sym = lookup_symbol (objfile, argv[i]);

      if (sym != NULL)
	printf ("%s = 0x%lx (%c)\n", sym->name, sym->value, sym->class);
      else
	printf ("No symbol \"%s\" in the mapped file.\n", argv[i]);
    }

  /* GDB ignored the result of detach and closed the descriptor
     itself; we only say so when it fails.  */
  if (mmalloc_detach (md) != NULL)
    fprintf (stderr, "%s: detach failed\n", argv[1]);
  close (fd);
  return 0;
}
