/* whitebox.c -- mmalloc_check against corruptions made by hand (links
   the engine's convenience library and reads mmprivate.h).  A sound
   heap gives 0 and an empty message; each of these gives -1, errno
   EUCLEAN and a one-line message, and 0 again once it is undone:
   a small run's free list that loops, that leaves the run or is
   misaligned; a descriptor of an unknown kind, a foreign run in a heap
   file, a run tail that points elsewhere; a free-run bin whose link
   leaves the heap, whose back link is wrong, or that the bitmap
   disagrees with; statistics counters off by one; a page map entry
   with the wrong place in its run, or missing, on the default heap and
   on an anonymous heap (whose map must lie right below it); and a
   heap file attached with MMALLOC_CACHE, whose hint map a wrong hint
   does not fool (the block goes to its own class's cache).
   A file heap is used for the rest: it has no thread caches, so freed
   blocks go straight back to their runs.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mmprivate.h"
#include "mmtest.h"

static void *md;

static void
expect_sound (const char *what)
{
  int rc;

  errno = 0;
  rc = mmalloc_check (md);
  CHECK (rc == 0 && errno == 0 && strcmp (mmalloc_check_message (md), "")
	 == 0, "%s: mmalloc_check == 0 with an empty message (rc %d, "
	 "\"%s\")", what, rc, mmalloc_check_message (md));
}

static void
expect_corrupt (const char *what)
{
  int rc, e;
  const char *msg;

  errno = 0;
  rc = mmalloc_check (md);
  e = errno;
  msg = mmalloc_check_message (md);
  CHECK (rc == -1 && e == EUCLEAN, "%s: mmalloc_check == -1 with EUCLEAN "
	 "(rc %d, errno %d)", what, rc, e);
  CHECK (msg != NULL && msg[0] != '\0' && strchr (msg, '\n') == NULL,
	 "%s: a one-line message: \"%s\"", what, msg ? msg : "(null)");
}

/* Heap HMD's page map against mmalloc_check: a small run's second page
   is mapped to the run's class and its place; an entry with the wrong
   place, or missing, is found.  */
static void
page_map (void *hmd, const char *what)
{
  struct mm_heap *h;
  struct mm_page *d;
  uint32_t head, page2;
  uint16_t save;
  char *l1;

  md = hmd;
  h = mmi_heap_of (hmd);
  l1 = mmalloc (hmd, 48);
  if (h == NULL || l1 == NULL || h->pmap == NULL
      || (d = mmi_block_of (h, l1, &head)) == NULL || d->kind != MM_K_SMALL
      || mmi_class_pages[d->cls] < 2)
    mmt_fatal ("%s: no page map, or no small run", what);
  expect_sound (what);
  page2 = head + 1;
  save = h->pmap[page2];
  CHECK (save == ((d->cls + 1u) | 1u << 8), "%s: the run's second page is "
	 "mapped to its class and place (%#x)", what, (unsigned int) save);
  h->pmap[page2] = (uint16_t) (save + (1u << 8));
  expect_corrupt ("a page map entry with the wrong place in its run");
  h->pmap[page2] = 0;
  expect_corrupt ("a page map entry missing");
  h->pmap[page2] = save;
  expect_sound ("the page map restored");
  mfree (hmd, l1);
  expect_sound ("after the free");
}

/* A heap file attached with MMALLOC_CACHE keeps hints of its runs'
   classes (pagemap.c).  A wrong hint is not believed, and mmalloc_check
   does not hold hints to the descriptors' word.  */
static void
hint_map (const char *name)
{
  struct mmalloc_options o;
  struct mm_heap *h;
  struct mm_tcache *c;
  struct mm_page *d;
  uint32_t head, page;
  uint16_t save;
  unsigned int k, wrong;
  char *p;
  int fd;

  unlink (name);
  fd = open (name, O_RDWR | O_CREAT | O_TRUNC, 0600);
  memset (&o, 0, sizeof o);
  o.size = sizeof o;
  o.flags = MMALLOC_CACHE;
  md = fd >= 0 ? mmalloc_attach_opts (fd, NULL, &o) : NULL;
  if (md == NULL)
    mmt_fatal ("mmalloc_attach_opts (MMALLOC_CACHE): %s", strerror (errno));
  h = mmi_heap_of (md);
  p = mmalloc (md, 48);
  if (h == NULL || p == NULL || (d = mmi_block_of (h, p, &head)) == NULL
      || d->kind != MM_K_SMALL)
    mmt_fatal ("a cached heap file: no small block");
  k = d->cls;
  page = mmi_page_of (h, p);
  CHECK (h->pmap != NULL && h->pmap_hint
	 && h->pmap[page] == ((k + 1u) | (page - head) << 8),
	 "a heap file with MMALLOC_CACHE hints its block's class");
  /* A hint naming the 16-byte class, as the first page of its run:
     every block starts a 16-byte slot, so only the descriptor check
     can refuse it.  */
  wrong = 0;
  save = h->pmap[page];
  h->pmap[page] = (uint16_t) (wrong + 1);
  expect_sound ("a cached heap file with a wrong hint");
  c = mmi_tc_current;
  {
    unsigned int before_k = c != NULL && c->md == md ? c->count[k] : 0;
    unsigned int before_w = c != NULL && c->md == md ? c->count[wrong] : 0;
    mfree (md, p);
    c = mmi_tc_current;
    CHECK (c != NULL && c->md == md && c->count[k] == before_k + 1
	   && c->count[wrong] == before_w,
	   "the block goes to its own class's cache, not the hinted one");
  }
  CHECK (h->pmap[page] == save, "the wrong hint is replaced by the "
	 "descriptors' answer (%#x, want %#x)", h->pmap[page], save);
  expect_sound ("after the free");
  CHECK (mmalloc_detach (md) == NULL, "detach the cached heap file");
  close (fd);
  unlink (name);
  md = NULL;
}

int
main (void)
{
  char name[64];
  struct mm_heap *h;
  struct mm_header *hdr;
  char *a[10], *l1, *l2, *l3;
  uint32_t head, save, page2;
  struct mm_page *d;
  int fd, i;

  snprintf (name, sizeof name, "check-whitebox-%ld.heap", (long) getpid ());
  unlink (name);
  fd = open (name, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0)
    mmt_fatal ("open %s: %s", name, strerror (errno));
  md = mmalloc_attach (fd, NULL);
  if (md == NULL)
    mmt_fatal ("mmalloc_attach: %s", strerror (errno));
  h = mmi_heap_of (md);
  if (h == NULL || h->hdr != md)
    mmt_fatal ("mmi_heap_of does not find the heap");
  hdr = h->hdr;
  expect_sound ("a fresh heap");

  errno = 0;
  CHECK (mmalloc_check ((char *) md + 4096) == -1 && errno == EINVAL,
	 "mmalloc_check of an address that is no heap: -1, EINVAL (%d)",
	 errno);

  /* A small run with two free objects: a[5] -> a[2] -> end.  */
  for (i = 0; i < 10; i++)
    if ((a[i] = mmalloc (md, 16)) == NULL)
      mmt_fatal ("mmalloc (md, 16) failed");
  mfree (md, a[2]);
  mfree (md, a[5]);
  d = mmi_block_of (h, a[0], &head);
  if (d == NULL || d->kind != MM_K_SMALL || mmi_class_size[d->cls] != 16
      || d->free != (uint32_t) (a[5] - mmi_page_addr (h, head)) + 1
      || *(uint32_t *) a[5] != (uint32_t) (a[2] - mmi_page_addr (h, head)) + 1)
    mmt_fatal ("the small run does not look as expected");
  expect_sound ("a small run with two free objects");

  save = *(uint32_t *) a[2];
  *(uint32_t *) a[2] = d->free;	/* a[2] -> a[5]: a loop */
  expect_corrupt ("a small run's free list loops");
  *(uint32_t *) a[2] = save;
  expect_sound ("the loop undone");
  *(uint32_t *) a[2] = mmi_run_capacity (d->cls) + 17;
  expect_corrupt ("a small run's free list leaves the run");
  *(uint32_t *) a[2] = save;
  *(uint32_t *) a[2] = (uint32_t) (a[8] - mmi_page_addr (h, head)) + 1 + 4;
  expect_corrupt ("a small run's free list names a misaligned offset");
  *(uint32_t *) a[2] = save;
  expect_sound ("the free list repaired");
  save = d->nused;
  d->nused++;
  expect_corrupt ("a small run's live count is off by one");
  d->nused = save;
  save = d->set;
  d->set = (uint8_t) ((save + 1) % MM_RUNSETS);
  expect_corrupt ("a small run in another run set than its class state's");
  d->set = 200;
  expect_corrupt ("a small run in run set 200");
  d->set = (uint8_t) save;
  expect_sound ("the run set restored");

  /* Descriptors of large blocks and their tails.  */
  l1 = mmalloc (md, 5 * 4096);
  l2 = mmalloc (md, 5 * 4096);
  l3 = mmalloc (md, 5 * 4096);
  if (l1 == NULL || l2 == NULL || l3 == NULL)
    mmt_fatal ("mmalloc (md, 20 KiB) failed");
  d = mmi_block_of (h, l1, &head);
  if (d == NULL || d->kind != MM_K_LARGE || d->npages < 5)
    mmt_fatal ("the large block does not look as expected");
  expect_sound ("three large blocks");
  d->kind = 42;
  expect_corrupt ("a descriptor of unknown kind 42");
  d->kind = MM_K_FOREIGN;
  expect_corrupt ("a foreign run in a heap file");
  d->kind = MM_K_LARGE;
  expect_sound ("the kind restored");
  {
    struct mm_page *t = mmi_desc (h, head + d->npages - 1);
    save = t->head;
    t->head = head + 1;
    expect_corrupt ("a run's last page points to another head");
    t->head = save;
  }
  expect_sound ("the tail restored");

  /* A free run in its bin: l2 freed between l1 and l3.  */
  mfree (md, l2);
  page2 = mmi_page_of (h, l2);
  d = mmi_desc (h, page2);
  if (d->kind != MM_K_FREE)
    mmt_fatal ("the freed run is not a free run (kind %u)", d->kind);
  expect_sound ("a free run between two blocks");
  save = d->next;
  d->next = 7;			/* a page of the descriptors */
  expect_corrupt ("a bin link to a page that holds no run");
  d->next = page2;		/* to itself */
  expect_corrupt ("a bin link that loops");
  d->next = save;
  save = d->prev;
  d->prev = page2 + 3;
  expect_corrupt ("a bin's back link is wrong");
  d->prev = save;
  {
    unsigned int b = mmi_bin_of (d->npages);
    uint64_t word = hdr->binmap[b / 64];
    hdr->binmap[b / 64] &= ~((uint64_t) 1 << (b % 64));
    expect_corrupt ("the bin bitmap says a full bin is empty");
    hdr->binmap[b / 64] = word;
    save = hdr->bins[b];
    hdr->bins[b] = 0;
    expect_corrupt ("a free run is missing from its bin");
    hdr->bins[b] = save;
  }
  expect_sound ("the bins restored");

  /* Statistics.  */
  hdr->small_used++;
  expect_corrupt ("small_used off by one");
  hdr->small_used--;
  hdr->small_used_bytes += 16;
  expect_corrupt ("small_used_bytes off by 16");
  hdr->small_used_bytes -= 16;
  hdr->large_used--;
  expect_corrupt ("large_used off by one");
  hdr->large_used++;
  hdr->large_bytes += 4096;
  expect_corrupt ("large_bytes off by a page");
  hdr->large_bytes -= 4096;
  hdr->free_runs++;
  expect_corrupt ("free_runs off by one");
  hdr->free_runs--;
  hdr->free_pages--;
  expect_corrupt ("free_pages off by one");
  hdr->free_pages++;
  hdr->small_slots++;
  expect_corrupt ("small_slots off by one");
  hdr->small_slots--;
  expect_sound ("every counter restored");

  /* The header.  */
  {
    uint64_t top = hdr->top;
    hdr->top = top + 1;
    expect_corrupt ("a top that is not page-aligned");
    hdr->top = top;
  }
  expect_sound ("the header restored");

  /* And the heap still works.  */
  mfree (md, l1);
  mfree (md, l3);
  for (i = 0; i < 10; i++)
    if (i != 2 && i != 5)
      mfree (md, a[i]);
  expect_sound ("everything freed");
  CHECK (mmalloc_detach (md) == NULL, "detach");
  close (fd);
  unlink (name);

  /* The page maps (pagemap.c) of the default heap and of an
     anonymous heap; the latter lies right below its heap.  */
  page_map (NULL, "the default heap");
  md = mmalloc_attach (-1, NULL);
  if (md == NULL)
    mmt_fatal ("mmalloc_attach (-1, NULL): %s", strerror (errno));
  h = mmi_heap_of (md);
  CHECK (h != NULL && h->pmap != NULL
	 && (char *) h->pmap + h->pmap_bytes == h->base
	 && h->pmap_span == (h->reserved < MM_PMAP_SPAN
			     ? h->reserved & ~(size_t) (MM_PAGE - 1)
			     : MM_PMAP_SPAN),
	 "an anonymous heap has a page map right below it, over its whole "
	 "reservation (%zu of %zu MiB)", h ? h->pmap_span >> 20 : 0,
	 h ? h->reserved >> 20 : 0);
  page_map (md, "an anonymous heap");
  CHECK (mmalloc_detach (md) == NULL, "detach the anonymous heap");
  md = NULL;
  hint_map (name);
  {
    unsigned int k, bad = 0;
    for (k = 0; k < MM_NCLASSES; k++)
      {
	uint32_t run = mmi_class_pages[k] * 4096u;
	if (mmi_run_capacity (k) != run - run % mmi_class_size[k])
	  bad++;
      }
    CHECK (bad == 0, "the capacity table agrees with every class's size "
	   "and pages (%u wrong)", bad);
  }
  mmt_exit ();
}
