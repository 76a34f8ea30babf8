/* gdbclient.c -- issue 7, "Old code": a client written the way GDB 4.17
   used mmalloc (gnu-mmalloc.md section 5.1), compiled with -std=gnu89:
   K&R definitions with PARAMS prototypes, PTR for void *, an
   xmmalloc (md, size) wrapper that never returns NULL, init_malloc
   calling mmcheckf and mmtrace, obstack-like symbol storage fed by
   xmmalloc and mfree with the heap as extra argument, mrealloc and
   mfree kept in GDB-style callback variables, and the mapped symbol
   file protocol (map_to_file, allocate_objfile, free_objfile).  Run
   without arguments it is the driver: it runs itself three times, each
   a new process (fork and exec): the first run creates the mapped file
   at the address mmalloc_findbase gives and stores that address in key
   1 and the objfile in key 0; the second re-attaches, finds the
   "symbols" through the keys, checks them and adds more; the third
   checks both runs' data, releases part of it and checks the heap.
   Each run also traces its default heap with mmtrace ($MALLOC_TRACE),
   and the driver checks that the traces were written.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <mmalloc.h>
#include "mmtest.h"
#include "gdbstack.h"

/* GDB 4.17 built with --with-mmalloc defined MMCHECK_FORCE; older
   configurations left it 0, which also checks that checking survives a
   re-attach (mmcheckf then succeeds only because it is still on).  */
#ifndef MMCHECK_FORCE
#define MMCHECK_FORCE 0
#endif

/* What GDB kept in objfile->flags.  */
#define OBJF_MAPPED	(1 << 0)
#define OBJF_SYMS	(1 << 1)

/* The callback types of the era, for realloc-like and free-like
   functions that take the heap first.  */
typedef PTR (*mrealloc_ftype) PARAMS ((PTR, PTR, size_t));
typedef void (*mfree_ftype) PARAMS ((PTR, PTR));

/* mrealloc and mfree kept in them, as GDB-era code stored its
   allocation functions; and once more in unprototyped pointers, which
   K&R callers used.  */
static mrealloc_ftype realloc_callback = mrealloc;
static mfree_ftype free_callback = mfree;
static PTR (*old_style_realloc) () = mrealloc;
static void (*old_style_free) () = mfree;

#define NOBSTACKS 4
#define NSYMBOLS 3000

struct symbol
{
  char *name;			/* On the symbol obstack.  */
  long value;
  struct symbol *next;
};

struct psymbol_list
{
  struct symbol **list;		/* Grown with xmrealloc.  */
  int next, size;
};

struct objfile
{
  char *name;
  int flags;
  int runs;			/* Runs that read or checked symbols.  */
  PTR md;
  struct gdbstack obstacks[NOBSTACKS];
  struct symbol *symbols;	/* Newest first.  */
  long nsymbols;
  unsigned long checksum;	/* Of every symbol's name and value.  */
  struct psymbol_list globals;
  char *run1_mark;		/* The type obstack up to run 1's objects.  */
};

static void malloc_botch PARAMS ((void));
static void nomem PARAMS ((long));
PTR xmmalloc PARAMS ((PTR, long));
PTR xmrealloc PARAMS ((PTR, PTR, long));
PTR xmalloc PARAMS ((long));
char *mstrsave PARAMS ((PTR, const char *));
int init_malloc PARAMS ((PTR));
static PTR map_to_file PARAMS ((int));
static struct objfile *allocate_objfile PARAMS ((PTR, const char *, int *));
static void free_objfile PARAMS ((struct objfile *, int));
static void read_symbols PARAMS ((struct objfile *, int, int));
static int check_symbols PARAMS ((struct objfile *));
static unsigned long symbol_hash PARAMS ((const char *, long));
static int one_run PARAMS ((int, const char *));
static int botch_child PARAMS ((void));

/* Set in a child that is meant to reach malloc_botch.  */
static int expect_botch;

/* The run this process makes (1 to 3), for the result texts.  */
static int this_run;

/* GDB's abort function: memory corruption is fatal.  */
static void
malloc_botch ()
{
  if (expect_botch)
    _exit (42);
  fprintf (stderr, "gdbclient: memory corruption\n");
  abort ();
}

static void
nomem (size)
     long size;
{
  mmt_fatal ("virtual memory exhausted (%ld bytes)", size);
}

/* Allocate SIZE bytes in heap MD; 0 bytes gives NULL, failure is fatal.  */
PTR
xmmalloc (md, size)
     PTR md;
     long size;
{
  register PTR val;

  if (size == 0)
    return 0;
  val = mmalloc (md, (size_t) size);
  if (val == 0)
    nomem (size);
  return val;
}

PTR
xmrealloc (md, ptr, size)
     PTR md;
     PTR ptr;
     long size;
{
  register PTR val;

  if (ptr != 0)
    val = (*realloc_callback) (md, ptr, (size_t) size);
  else
    val = mmalloc (md, (size_t) size);
  if (val == 0)
    nomem (size);
  return val;
}

PTR
xmalloc (size)
     long size;
{
  return xmmalloc ((PTR) 0, size);
}

char *
mstrsave (md, s)
     PTR md;
     const char *s;
{
  long n = (long) strlen (s) + 1;
  char *p = (char *) xmmalloc (md, n);

  memcpy (p, s, (size_t) n);
  return p;
}

/* Turn on checking of heap MD and start tracing.  Returns what mmcheckf
   said (GDB printed a warning on 0).  */
int
init_malloc (md)
     PTR md;
{
  int ok = mmcheckf (md, malloc_botch, MMCHECK_FORCE);

  if (!ok)
    fprintf (stderr, "warning: failed to install memory consistency"
	     " checks\n");
  (void) mmtrace ();		/* GDB ignored the result.  */
  return ok;
}

/* GDB's map_to_file: attach FD wherever the library likes, look for the
   address recorded in key 1, detach; then attach at that address, or,
   for a new file, at a fresh address from mmalloc_findbase, recorded in
   key 1.  */
static PTR
map_to_file (fd)
     int fd;
{
  PTR md;
  PTR mapto;		/* PTR is a macro: one declarator each.  */

  md = mmalloc_attach (fd, (PTR) 0);
  if (md == 0)
    {
      mmt_fail ("run %d: map_to_file: mmalloc_attach (fd, 0): %s", this_run, strerror (errno));
      return 0;
    }
  mapto = mmalloc_getkey (md, 1);
  if (mmalloc_detach (md) != 0)
    {
      mmt_fail ("run %d: map_to_file: mmalloc_detach failed", this_run);
      return 0;
    }
  if (mapto != 0)
    {
      md = mmalloc_attach (fd, mapto);
      CHECK (md == mapto, "run %d: map_to_file: re-attached at the address in key 1"
	     " (%p, got %p)", this_run, mapto, md);
      return md;
    }
  mapto = mmalloc_findbase (20 * 1024 * 1024);
  if (mapto == 0)
    {
      mmt_fail ("run %d: map_to_file: mmalloc_findbase: %s", this_run, strerror (errno));
      return 0;
    }
  if (ftruncate (fd, (off_t) 0) != 0)	/* Start over, as GDB did.  */
    {
      mmt_fail ("run %d: map_to_file: ftruncate: %s", this_run, strerror (errno));
      return 0;
    }
  md = mmalloc_attach (fd, mapto);
  if (!CHECK (md == mapto, "run %d: map_to_file: a new heap at the findbase"
	      " address (%p, got %p)", this_run, mapto, md))
    return 0;
  CHECK (mmalloc_setkey (md, 1, mapto) == 1, "run %d: map_to_file: key 1 set", this_run);
  return md;
}

/* GDB's allocate_objfile for a mapped objfile: an existing one comes
   from key 0, with its obstacks' functions refreshed; a new one is
   built with checking turned on before the heap's first allocation.
   *CREATED says which.  */
static struct objfile *
allocate_objfile (md, name, created)
     PTR md;
     const char *name;
     int *created;
{
  struct objfile *objfile = (struct objfile *) mmalloc_getkey (md, 0);
  int i;

  if (objfile != 0)
    {
      *created = 0;
      CHECK (init_malloc (md),
	     "run %d: allocate_objfile: mmcheckf (md, f, %d) accepts the re-attached"
	     " heap: checking survived", this_run, MMCHECK_FORCE);
      CHECK (objfile->md == md && (objfile->flags & OBJF_MAPPED),
	     "run %d: allocate_objfile: key 0 leads to the mapped objfile", this_run);
      for (i = 0; i < NOBSTACKS; i++)
	gdbstack_set_funcs (&objfile->obstacks[i], xmmalloc, mfree);
    }
  else
    {
      *created = 1;
      CHECK (init_malloc (md),
	     "run %d: allocate_objfile: mmcheckf (md, f, %d) accepts the new heap"
	     " before its first allocation", this_run, MMCHECK_FORCE);
      objfile = (struct objfile *) xmmalloc (md, (long) sizeof *objfile);
      memset (objfile, 0, sizeof *objfile);
      objfile->md = md;
      objfile->flags = OBJF_MAPPED;
      CHECK (mmalloc_setkey (md, 0, (PTR) objfile) == 1,
	     "run %d: allocate_objfile: key 0 set", this_run);
      for (i = 0; i < NOBSTACKS; i++)
	if (!gdbstack_begin (&objfile->obstacks[i], 0L, xmmalloc, mfree, md))
	  mmt_fatal ("gdbstack_begin failed");
    }
  /* GDB replaced the name on every attach.  */
  mfree (md, (PTR) objfile->name);
  objfile->name = mstrsave (md, name);
  return objfile;
}

/* GDB's free_objfile: a mapped objfile is detached (its file is closed
   by the caller, not by mmalloc_detach); an unmapped one is released
   piece by piece.  */
static void
free_objfile (objfile, fd)
     struct objfile *objfile;
     int fd;
{
  PTR md = objfile->md;
  int i;

  if (objfile->flags & OBJF_MAPPED)
    {
      CHECK (mmalloc_detach (md) == 0, "run %d: free_objfile: mmalloc_detach"
	     " returns NULL", this_run);
      CHECK (fcntl (fd, F_GETFD) != -1, "run %d: free_objfile: the file is still"
	     " open after the detach", this_run);
      close (fd);
      return;
    }
  mfree (md, (PTR) objfile->name);
  mfree (md, (PTR) objfile->globals.list);
  for (i = 0; i < NOBSTACKS; i++)
    gdbstack_free (&objfile->obstacks[i], (PTR) 0);
  (*free_callback) (md, (PTR) objfile);
}

static unsigned long
symbol_hash (name, value)
     const char *name;
     long value;
{
  unsigned long h = (unsigned long) value * 2654435761UL;

  while (*name)
    h = h * 31 + (unsigned char) *name++;
  return h;
}

/* "Read" COUNT symbols of file number FILENO: names on obstack 0,
   symbols on obstack 1, type strings built piecewise on obstack 2,
   and a pointer to each in the global psymbol list.  */
static void
read_symbols (objfile, fileno, count)
     struct objfile *objfile;
     int fileno;
     int count;
{
  char buf[64];
  int i, j;

  for (i = 0; i < count; i++)
    {
      struct symbol *sym;
      struct psymbol_list *g = &objfile->globals;

      sprintf (buf, "file%d_symbol_%d_%.*s", fileno, i, i % 23,
	       "abcdefghijklmnopqrstuvwxyz");
      sym = (struct symbol *) gdbstack_alloc (&objfile->obstacks[1],
					      (long) sizeof *sym);
      sym->name = gdbstack_copy0 (&objfile->obstacks[0], buf,
				  (long) strlen (buf));
      sym->value = (long) fileno * 100000 + i * 7;
      sym->next = objfile->symbols;
      objfile->symbols = sym;
      objfile->nsymbols++;
      objfile->checksum += symbol_hash (sym->name, sym->value);
      for (j = 0; j <= i % 5; j++)
	gdbstack_grow (&objfile->obstacks[2], (const PTR) "int *", 5L);
      (void) gdbstack_finish (&objfile->obstacks[2]);
      if (g->next == g->size)
	{
	  g->size = g->size ? g->size * 2 : 16;
	  g->list = (struct symbol **)
	    xmrealloc (objfile->md, (PTR) g->list,
		       (long) (g->size * sizeof *g->list));
	}
      g->list[g->next++] = sym;
    }
}

/* Walk every symbol: names, values, the checksum, the psymbol list.  */
static int
check_symbols (objfile)
     struct objfile *objfile;
{
  struct symbol *sym;
  unsigned long sum = 0;
  long n = 0;
  int k = objfile->globals.next;

  for (sym = objfile->symbols; sym != 0; sym = sym->next, n++)
    {
      if (!gdbstack_contains (&objfile->obstacks[0], (PTR) sym->name)
	  || !gdbstack_contains (&objfile->obstacks[1], (PTR) sym)
	  || strncmp (sym->name, "file", 4) != 0
	  || k <= 0 || objfile->globals.list[--k] != sym)
	return 0;
      sum += symbol_hash (sym->name, sym->value);
    }
  return n == objfile->nsymbols && sum == objfile->checksum && k == 0;
}

/* A forked child with an anonymous heap of its own: a one-byte overrun
   must reach the abort function init_malloc installed.  */
static int
botch_child ()
{
  pid_t pid = mmt_fork ();
  PTR md;
  char *p;

  if (pid < 0)
    return -1;
  if (pid == 0)
    {
      md = mmalloc_attach (-1, (PTR) 0);
      if (md == 0 || !init_malloc (md))
	_exit (2);
      p = (char *) xmmalloc (md, 24L);
      expect_botch = 1;
      p[24] = 'x';
      mfree (md, (PTR) p);
      _exit (0);
    }
  return mmt_wait (pid);
}

/* Run number RUN on the mapped file FILE.  */
static int
one_run (run, file)
     int run;
     const char *file;
{
  struct objfile *objfile;
  char *scratch;
  int fd, created, i;
  PTR md;

  /* main calls init_malloc (NULL) before anything else.  */
  CHECK (init_malloc ((PTR) 0), "run %d: mmcheckf (NULL, f, %d) accepts"
	 " the default heap before its first allocation", run, MMCHECK_FORCE);
  scratch = (char *) xmalloc (100L);	/* Traced by mmtrace.  */
  strcpy (scratch, "the default heap");

  fd = open (file, O_RDWR);
  if (fd < 0 && errno == ENOENT)
    fd = open (file, O_RDWR | O_CREAT | O_TRUNC, 0666);
  if (fd < 0)
    mmt_fatal ("run %d: open %s: %s", run, file, strerror (errno));
  md = map_to_file (fd);
  if (md == 0)
    mmt_fatal ("run %d: map_to_file failed", run);
  objfile = allocate_objfile (md, file, &created);
  CHECK (created == (run == 1), "run %d: the objfile is %s", run,
	 run == 1 ? "new" : "found through key 0");
  CHECK (strcmp (objfile->name, file) == 0, "run %d: its name", run);

  switch (run)
    {
    case 1:
      read_symbols (objfile, 1, NSYMBOLS);
      objfile->run1_mark = (char *) gdbstack_alloc (&objfile->obstacks[3],
						    8L);
      for (i = 0; i < 2000; i++)
	(void) gdbstack_copy0 (&objfile->obstacks[3], "run 1 type", 10L);
      CHECK (objfile->obstacks[3].chunks > 4, "run 1: %ld chunks of type"
	     " strings", objfile->obstacks[3].chunks);
      objfile->flags |= OBJF_SYMS;
      CHECK (check_symbols (objfile), "run 1: %ld symbols stored in %ld+%ld"
	     " chunks", objfile->nsymbols, objfile->obstacks[0].chunks,
	     objfile->obstacks[1].chunks);
      break;
    case 2:
      CHECK (objfile->flags & OBJF_SYMS, "run 2: mapped symbols found");
      CHECK (objfile->runs == 1 && objfile->nsymbols == NSYMBOLS
	     && check_symbols (objfile), "run 2: run 1's %d symbols are"
	     " intact", NSYMBOLS);
      /* Release run 1's type strings (chunks made in another process),
	 then add a second file's symbols.  */
      gdbstack_free (&objfile->obstacks[3], (PTR) objfile->run1_mark);
      objfile->run1_mark = (char *) gdbstack_alloc (&objfile->obstacks[3],
						    8L);
      read_symbols (objfile, 2, NSYMBOLS);
      CHECK (check_symbols (objfile), "run 2: %ld symbols after adding",
	     objfile->nsymbols);
      break;
    default:
      CHECK (objfile->flags & OBJF_SYMS, "run 3: mapped symbols found");
      CHECK (objfile->runs == 2 && objfile->nsymbols == 2 * NSYMBOLS
	     && check_symbols (objfile), "run 3: both runs' %d symbols are"
	     " intact", 2 * NSYMBOLS);
      CHECK (objfile->obstacks[3].chunks == 1, "run 3: run 2 released the"
	     " type chunks of run 1 (%ld left)", objfile->obstacks[3].chunks);
      {
	struct mstats st = mmstats (md);
	CHECK (st.chunks_used > 0 && st.bytes_used <= st.bytes_total,
	       "run 3: mmstats of the mapped heap (%lu blocks, %lu bytes)",
	       (unsigned long) st.chunks_used, (unsigned long) st.bytes_used);
      }
      CHECK (mmalloc_check (md) == 0, "run 3: mmalloc_check of the mapped"
	     " heap is 0 %s", mmalloc_check_message (md));
      CHECK (botch_child () == 42, "run 3: an overrun in a checked heap"
	     " reaches malloc_botch");
      break;
    }
  objfile->runs++;
  free_objfile (objfile, fd);

  /* An unmapped objfile lives in the default heap (md NULL) and is
     released piece by piece.  */
  {
    struct objfile *o = (struct objfile *) xmalloc ((long) sizeof *o);
    struct mstats before, after;

    memset (o, 0, sizeof *o);
    o->name = mstrsave ((PTR) 0, "unmapped");
    for (i = 0; i < NOBSTACKS; i++)
      if (!gdbstack_begin (&o->obstacks[i], 1000L, xmmalloc, mfree, (PTR) 0))
	mmt_fatal ("gdbstack_begin failed");
    before = mmstats ((PTR) 0);
    read_symbols (o, 9, 500);
    CHECK (check_symbols (o), "run %d: 500 symbols in an unmapped objfile",
	   run);
    free_objfile (o, -1);
    after = mmstats ((PTR) 0);
    CHECK (after.chunks_used < before.chunks_used,
	   "run %d: releasing the unmapped objfile frees its blocks", run);
  }
  CHECK (strcmp (scratch, "the default heap") == 0
	 && mmalloc_check ((PTR) 0) == 0, "run %d: the default heap is sound",
	 run);
  (*old_style_free) ((PTR) 0, (PTR) scratch);
  return 0;
}

int
main (argc, argv)
     int argc;
     char **argv;
{
  char file[64], trace[64], self[4096];
  char *p, *q;
  int run, status;
  ssize_t n;

  /* The callback variables hold the functions themselves.  */
  if (old_style_realloc != (PTR (*) ()) realloc_callback
      || old_style_free != (void (*) ()) free_callback)
    mmt_fatal ("callback variables do not hold mrealloc and mfree");

  if (argc == 4 && strcmp (argv[1], "--run") == 0)
    {
      this_run = atoi (argv[2]);
      one_run (this_run, argv[3]);
      mmt_exit ();
    }

  /* mrealloc and mfree through the GDB-style callback types.  */
  p = (char *) (*realloc_callback) ((PTR) 0, (PTR) 0, (size_t) 10);
  if (p != 0)
    strcpy (p, "123456789");
  q = (char *) (*realloc_callback) ((PTR) 0, (PTR) p, (size_t) 5000);
  CHECK (q != 0 && strcmp (q, "123456789") == 0,
	 "mrealloc called through a PTR (*) (PTR, PTR, size_t) variable");
  (*free_callback) ((PTR) 0, (PTR) q);

  n = readlink ("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0)
    mmt_fatal ("readlink /proc/self/exe: %s", strerror (errno));
  self[n] = '\0';
  sprintf (file, "compat-gdb-%ld.syms.tmp", (long) getpid ());
  unlink (file);
  for (run = 1; run <= 3; run++)
    {
      char arg[16];
      pid_t pid;

      sprintf (arg, "%d", run);
      sprintf (trace, "compat-gdb-%ld-trace%d.tmp", (long) getpid (), run);
      unlink (trace);
      pid = mmt_fork ();
      if (pid < 0)
	mmt_fatal ("fork: %s", strerror (errno));
      if (pid == 0)
	{
	  setenv ("MALLOC_TRACE", trace, 1);
	  execl (self, self, "--run", arg, file, (char *) 0);
	  _exit (127);
	}
      status = mmt_wait (pid);
      CHECK (status == 0, "run %d: a new process exits with status 0"
	     " (got %d)", run, status);
      {
	FILE *f = fopen (trace, "r");
	char line[256];
	int adds = 0;

	while (f != 0 && fgets (line, sizeof line, f) != 0)
	  if (strstr (line, " + 0x") != 0)
	    adds++;
	if (f != 0)
	  fclose (f);
	CHECK (adds > 0, "run %d: mmtrace wrote the default heap's"
	       " allocations to $MALLOC_TRACE (%d)", run, adds);
      }
      unlink (trace);
    }
  unlink (file);
  mmt_exit ();
}
