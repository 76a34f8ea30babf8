/* wordcount.c -- a persistent word counter: a hash table in a heap file.

   This example shows the first kind of mmalloc user, a program whose
   data lives in a heap file from one run to the next.  The counts are
   kept in a chained hash table built with mmalloc in the file; the
   table's root is stored in application key 0, so every later run
   finds it again, at the same address, without reading or parsing
   anything.  It also shows growing a structure inside the heap
   (mrealloc of the bucket array), and how to keep two runs from
   updating the same file at once (flock on the heap's descriptor).

   Copyright (C) 2026 The mmalloc developers.  This file is part of
   mmalloc; LGPL-2.1-or-later, see COPYING.  */

/* Usage:
     wordcount HEAPFILE [FILE...]    count the words of the FILEs (or of
                                     standard input) into HEAPFILE
     wordcount HEAPFILE --top N      list the N most frequent words

   A word is a run of letters, digits and apostrophes, folded to lower
   case.  Try:
     wordcount words.heap < README.md
     wordcount words.heap < COPYING
     wordcount words.heap --top 10
   The second run adds to the counts of the first; the heap file keeps
   them.  Build outside this tree with
     cc -o wordcount wordcount.c $(pkg-config --cflags --libs mmalloc)  */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <mmalloc.h>

/* Which key holds our root.  A heap has MMALLOC_KEYS (16) keys; a
   program picks its own and documents it.  */
#define ROOT_KEY 0

/* A stamp in the root, so that we do not mistake some other program's
   heap (whose key 0 points to something else) for ours.  */
#define WORDCOUNT_MAGIC 0x77636e74u	/* "wcnt" */

/* Longest word we keep; longer runs of letters are cut.  */
#define MAX_WORD 64

/* One word and its count.  Everything below lives in the heap file,
   and plain pointers are fine in it: the heap is always mapped at the
   address it was created at.  */
struct entry
{
  struct entry *next;		/* Next entry in the same bucket.  */
  unsigned long count;
  char word[];			/* NUL-terminated, allocated with the entry.  */
};

/* The root, reached through key ROOT_KEY.  */
struct table
{
  unsigned int magic;
  size_t nbuckets;		/* A power of two.  */
  size_t nwords;		/* Distinct words.  */
  unsigned long total;		/* Words counted, all runs together.  */
  unsigned long runs;		/* Runs that added words.  */
  struct entry **buckets;	/* nbuckets chains.  */
};

static const char *heapfile;

static void
die (const char *what)
{
  fprintf (stderr, "wordcount: %s %s: %s\n", what, heapfile, strerror (errno));
  exit (1);
}

/* FNV-1a: small and good enough for words.  */
static size_t
hash (const char *s)
{
  size_t h = 2166136261u;

  for (; *s != '\0'; s++)
    h = (h ^ (unsigned char) *s) * 16777619u;
  return h;
}

/* The table of heap MD: found through the key, or created on the
   first run.  */
static struct table *
get_table (void *md)
{
  struct table *t = mmalloc_getkey (md, ROOT_KEY);

  if (t != NULL)
    {
      if (t->magic != WORDCOUNT_MAGIC)
	{
	  fprintf (stderr, "wordcount: %s is a heap, but not a word"
		   " counter's\n", heapfile);
	  exit (1);
	}
      return t;
    }

  /* A new heap: the root and its buckets are the first blocks.
     mcalloc zeroes them, so every chain starts empty.  */
  t = mcalloc (md, 1, sizeof *t);
  if (t == NULL)
    die ("out of heap in");
  t->magic = WORDCOUNT_MAGIC;
  t->nbuckets = 64;
  t->buckets = mcalloc (md, t->nbuckets, sizeof *t->buckets);
  if (t->buckets == NULL)
    die ("out of heap in");
  /* Set the key last: a reader never sees a half-built root.  */
  if (!mmalloc_setkey (md, ROOT_KEY, t))
    die ("cannot set the root key of");
  return t;
}

/* Double the bucket array of T when the chains get long.  mrealloc
   keeps the old array intact if it fails, so the table stays usable
   (just slower) when the heap cannot grow.  */
static void
grow (void *md, struct table *t)
{
  size_t n = t->nbuckets * 2, i;
  struct entry **b = mrealloc (md, t->buckets, n * sizeof *b);

  if (b == NULL)
    return;
  /* The upper half is new; rehash every chain of the lower half.  */
  memset (b + t->nbuckets, 0, t->nbuckets * sizeof *b);
  for (i = 0; i < t->nbuckets; i++)
    {
      struct entry *e = b[i], *next;

      b[i] = NULL;
      for (; e != NULL; e = next)
	{
	  size_t j = hash (e->word) & (n - 1);

	  next = e->next;
	  e->next = b[j];
	  b[j] = e;
	}
    }
  t->buckets = b;
  t->nbuckets = n;
}

/* Count WORD once in table T of heap MD.  */
static void
count_word (void *md, struct table *t, const char *word)
{
  size_t len = strlen (word);
  struct entry **chain = &t->buckets[hash (word) & (t->nbuckets - 1)];
  struct entry *e;

  t->total++;
  for (e = *chain; e != NULL; e = e->next)
    if (strcmp (e->word, word) == 0)
      {
	e->count++;
	return;
      }

  /* A new word: one block holds the entry and its text.  */
  e = mmalloc (md, sizeof *e + len + 1);
  if (e == NULL)
    die ("out of heap in");
  e->count = 1;
  memcpy (e->word, word, len + 1);
  e->next = *chain;
  *chain = e;
  if (++t->nwords > 2 * t->nbuckets)
    grow (md, t);
}

/* Count every word of stream IN.  */
static void
count_stream (void *md, struct table *t, FILE *in)
{
  char word[MAX_WORD + 1];
  size_t len = 0;
  int c;

  do
    {
      c = getc (in);
      if (c != EOF && (isalnum (c) || c == '\''))
	{
	  if (len < MAX_WORD)
	    word[len++] = (char) tolower (c);
	}
      else if (len > 0)
	{
	  word[len] = '\0';
	  count_word (md, t, word);
	  len = 0;
	}
    }
  while (c != EOF);
}

/* qsort order for --top: most frequent first, then alphabetical.  */
static int
by_count (const void *a, const void *b)
{
  const struct entry *x = *(struct entry *const *) a;
  const struct entry *y = *(struct entry *const *) b;

  if (x->count != y->count)
    return x->count < y->count ? 1 : -1;
  return strcmp (x->word, y->word);
}

/* Print the N most frequent words of T.  The sort array is process
   memory (malloc): it is scratch, not something to keep in the file.  */
static void
print_top (const struct table *t, size_t n)
{
  struct entry **all = malloc ((t->nwords + 1) * sizeof *all);
  size_t i, k = 0;

  if (all == NULL)
    {
      perror ("wordcount");
      exit (1);
    }
  for (i = 0; i < t->nbuckets; i++)
    {
      struct entry *e;

      for (e = t->buckets[i]; e != NULL; e = e->next)
	all[k++] = e;
    }
  qsort (all, k, sizeof *all, by_count);
  printf ("%lu words, %zu distinct, in %lu runs\n",
	  t->total, t->nwords, t->runs);
  for (i = 0; i < n && i < k; i++)
    printf ("%7lu %s\n", all[i]->count, all[i]->word);
  free (all);
}

int
main (int argc, char **argv)
{
  struct table *t;
  void *md;
  long top = -1;
  int fd, i;

  if (argc < 2 || argv[1][0] == '-')
    {
      fprintf (stderr, "usage: wordcount HEAPFILE [FILE...]\n"
	       "       wordcount HEAPFILE --top N\n");
      return 2;
    }
  heapfile = argv[1];
  if (argc >= 3 && strcmp (argv[2], "--top") == 0)
    {
      char *end;

      if (argc != 4 || (top = strtol (argv[3], &end, 10)) < 0
	  || *end != '\0')
	{
	  fprintf (stderr, "wordcount: --top needs a count\n");
	  return 2;
	}
    }

  if (top >= 0)
    {
      /* Listing only reads: attach read-only, as an inspection tool
	 would.  Any allocation would fail with EROFS.  */
      struct mmalloc_options opts;

      memset (&opts, 0, sizeof opts);
      opts.size = sizeof opts;
      opts.flags = MMALLOC_RDONLY;
      fd = open (heapfile, O_RDONLY);
      if (fd < 0)
	die ("cannot open");
      if (flock (fd, LOCK_SH) < 0)
	die ("cannot lock");
      md = mmalloc_attach_opts (fd, NULL, &opts);
      if (md == NULL)
	die ("cannot attach the heap in");
      t = mmalloc_getkey (md, ROOT_KEY);
      if (t == NULL || t->magic != WORDCOUNT_MAGIC)
	{
	  fprintf (stderr, "wordcount: %s holds no word counts\n", heapfile);
	  return 1;
	}
      print_top (t, (size_t) top);
    }
  else
    {
      /* An empty (new) file becomes a new heap; an existing heap file
	 is attached at the address recorded in it.  */
      fd = open (heapfile, O_RDWR | O_CREAT, 0644);
      if (fd < 0)
	die ("cannot open");
      /* mmalloc's own locks keep the heap sound when several processes
	 allocate at once, but our table is one data structure that a
	 run updates in many steps: let one run at a time change it.  */
      if (flock (fd, LOCK_EX) < 0)
	die ("cannot lock");
      md = mmalloc_attach (fd, NULL);
      if (md == NULL)
	die ("cannot attach the heap in");

      t = get_table (md);
      if (argc == 2)
	count_stream (md, t, stdin);
      for (i = 2; i < argc; i++)
	{
	  FILE *in = fopen (argv[i], "r");

	  if (in == NULL)
	    {
	      fprintf (stderr, "wordcount: %s: %s\n", argv[i],
		       strerror (errno));
	      continue;
	    }
	  count_stream (md, t, in);
	  fclose (in);
	}
      t->runs++;
      printf ("%lu words, %zu distinct, in %lu runs\n",
	      t->total, t->nwords, t->runs);
    }

  /* Detaching unmaps the heap; the counts are in the file.  The
     descriptor is ours to close (detach never closes it).  */
  if (mmalloc_detach (md) != NULL)
    die ("cannot detach");
  close (fd);
  return 0;
}
