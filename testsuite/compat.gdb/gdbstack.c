/* gdbstack.c -- the obstack-like chunk allocator of the compat.gdb
   client, written in the K&R style of the GDB 4.17 era (this file is
   compiled with -std=gnu89).  Objects are built at the end of the
   current chunk; when one does not fit, a new chunk of at least
   chunk_size bytes comes from the stored chunk function and the
   partial object moves there.  Freeing an object frees it and every
   object allocated after it, returning whole chunks through the stored
   free function.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include <string.h>

#include <mmalloc.h>		/* PTR and PARAMS, as GDB got them.  */
#include "gdbstack.h"

/* Objects are aligned as a double or a pointer may need.  */
#define GDBSTACK_ALIGN 16
#define ALIGN_UP(p) \
  ((char *) (((unsigned long) (p) + GDBSTACK_ALIGN - 1) \
	     & ~(unsigned long) (GDBSTACK_ALIGN - 1)))

static void newchunk PARAMS ((struct gdbstack *, long));

int
gdbstack_begin (h, size, chunkfun, freefun, arg)
     struct gdbstack *h;
     long size;
     gdbstack_chunkfun chunkfun;
     gdbstack_freefun freefun;
     PTR arg;
{
  struct gdbstack_chunk *c;

  if (size <= 0)
    size = 4064;
  h->chunk_size = size;
  h->chunkfun = chunkfun;
  h->freefun = freefun;
  h->extra_arg = arg;
  h->chunks = 1;
  c = (struct gdbstack_chunk *) (*chunkfun) (arg, size);
  if (c == 0)
    return 0;
  c->prev = 0;
  c->limit = (char *) c + size;
  h->chunk = c;
  h->object_base = h->next_free = ALIGN_UP (c->contents);
  h->chunk_limit = c->limit;
  return 1;
}

void
gdbstack_set_funcs (h, chunkfun, freefun)
     struct gdbstack *h;
     gdbstack_chunkfun chunkfun;
     gdbstack_freefun freefun;
{
  h->chunkfun = chunkfun;
  h->freefun = freefun;
}

/* Start a new chunk with room for the partial object and LENGTH more
   bytes, and move the partial object there.  */
static void
newchunk (h, length)
     struct gdbstack *h;
     long length;
{
  long objsize = h->next_free - h->object_base;
  long size = objsize + length + (long) sizeof (struct gdbstack_chunk)
    + 2 * GDBSTACK_ALIGN + objsize / 8;
  struct gdbstack_chunk *c;
  char *base;

  if (size < h->chunk_size)
    size = h->chunk_size;
  c = (struct gdbstack_chunk *) (*h->chunkfun) (h->extra_arg, size);
  /* xmmalloc never returns 0: it reports the failure and exits.  */
  c->prev = h->chunk;
  c->limit = (char *) c + size;
  base = ALIGN_UP (c->contents);
  memcpy (base, h->object_base, (size_t) objsize);
  /* A chunk that held nothing but the partial object is released.  */
  if (h->object_base == ALIGN_UP (h->chunk->contents))
    {
      c->prev = h->chunk->prev;
      (*h->freefun) (h->extra_arg, (PTR) h->chunk);
    }
  else
    h->chunks++;
  h->chunk = c;
  h->object_base = base;
  h->next_free = base + objsize;
  h->chunk_limit = c->limit;
}

void
gdbstack_grow (h, data, length)
     struct gdbstack *h;
     const PTR data;
     long length;
{
  if (h->chunk_limit - h->next_free < length)
    newchunk (h, length);
  memcpy (h->next_free, data, (size_t) length);
  h->next_free += length;
}

PTR
gdbstack_finish (h)
     struct gdbstack *h;
{
  PTR obj = (PTR) h->object_base;

  h->next_free = ALIGN_UP (h->next_free);
  if (h->next_free > h->chunk_limit)
    h->next_free = h->chunk_limit;
  h->object_base = h->next_free;
  return obj;
}

PTR
gdbstack_alloc (h, length)
     struct gdbstack *h;
     long length;
{
  if (h->chunk_limit - h->next_free < length)
    newchunk (h, length);
  h->next_free += length;
  return gdbstack_finish (h);
}

char *
gdbstack_copy0 (h, s, length)
     struct gdbstack *h;
     const char *s;
     long length;
{
  char nul = '\0';

  gdbstack_grow (h, (const PTR) s, length);
  gdbstack_grow (h, (const PTR) &nul, 1L);
  return (char *) gdbstack_finish (h);
}

int
gdbstack_contains (h, obj)
     struct gdbstack *h;
     PTR obj;
{
  struct gdbstack_chunk *c;

  for (c = h->chunk; c != 0; c = c->prev)
    if ((char *) obj >= c->contents && (char *) obj < c->limit)
      return 1;
  return 0;
}

/* Free OBJ and everything allocated after it; a null OBJ frees all.  */
void
gdbstack_free (h, obj)
     struct gdbstack *h;
     PTR obj;
{
  struct gdbstack_chunk *c = h->chunk, *prev;

  while (c != 0
	 && (obj == 0 || (char *) obj < c->contents
	     || (char *) obj >= c->limit))
    {
      prev = c->prev;
      (*h->freefun) (h->extra_arg, (PTR) c);
      h->chunks--;
      c = prev;
    }
  h->chunk = c;
  if (c != 0)
    {
      h->object_base = h->next_free = (char *) obj;
      h->chunk_limit = c->limit;
    }
  else
    h->object_base = h->next_free = h->chunk_limit = 0;
}
