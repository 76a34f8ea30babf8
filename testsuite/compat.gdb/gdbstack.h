/* gdbstack.h -- an obstack-like chunk allocator in the style of the
   GDB 4.17 sources (K&R definitions, PTR and PARAMS), for the
   compat.gdb client.  GDB kept its symbol tables on obstacks whose
   chunks came from xmmalloc (md, size) and went back through
   mfree (md, ptr), with the heap descriptor as the obstack's extra
   argument; the chunk functions are stored in the obstack itself, which
   may live in a mapped heap and so must be refreshed after every
   attach (function addresses differ between runs).
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#ifndef GDBSTACK_H
#define GDBSTACK_H 1

/* One chunk: a header, then the objects.  */
struct gdbstack_chunk
{
  char *limit;			/* One past the chunk's last byte.  */
  struct gdbstack_chunk *prev;	/* The chunk allocated before.  */
  char contents[4];		/* The objects start here.  */
};

/* GDB's callback types, spelled as its headers did: a chunk allocator
   called as (extra_arg, size) and a chunk release called as
   (extra_arg, chunk) -- the argument order of mfree.  */
typedef PTR (*gdbstack_chunkfun) PARAMS ((PTR, long));
typedef void (*gdbstack_freefun) PARAMS ((PTR, PTR));

struct gdbstack
{
  long chunk_size;		/* Preferred size of a new chunk.  */
  struct gdbstack_chunk *chunk;	/* The current (newest) chunk.  */
  char *object_base;		/* Start of the object being built.  */
  char *next_free;		/* Its end: where the next byte goes.  */
  char *chunk_limit;		/* End of the current chunk.  */
  gdbstack_chunkfun chunkfun;
  gdbstack_freefun freefun;
  PTR extra_arg;		/* The heap descriptor.  */
  long chunks;			/* Chunks allocated, for the tests.  */
};

extern int gdbstack_begin PARAMS ((struct gdbstack *, long,
				   gdbstack_chunkfun, gdbstack_freefun,
				   PTR));
extern void gdbstack_set_funcs PARAMS ((struct gdbstack *,
					gdbstack_chunkfun,
					gdbstack_freefun));
extern void gdbstack_grow PARAMS ((struct gdbstack *, const PTR, long));
extern PTR gdbstack_finish PARAMS ((struct gdbstack *));
extern PTR gdbstack_alloc PARAMS ((struct gdbstack *, long));
extern char *gdbstack_copy0 PARAMS ((struct gdbstack *, const char *,
				     long));
extern void gdbstack_free PARAMS ((struct gdbstack *, PTR));
extern int gdbstack_contains PARAMS ((struct gdbstack *, PTR));

#endif /* GDBSTACK_H */
