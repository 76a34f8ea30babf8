/* bip.cc -- one workload on two kinds of heap file: Boost.Interprocess's
   managed_mapped_file and an mmalloc file heap, the library a C++ user
   would otherwise pick for the job.  The workload is written once, as
   a template over the heap, so that both run the same requests in the
   same order: a warm 64-byte pair, churn of 16- to 256-byte blocks with
   8192 live, and filling a fresh heap.  Usage: bip boost|mmalloc PATH
   WORKLOAD...; PATH must not exist and is removed at exit.  Prints
   "WORKLOAD VALUE ns/op" per workload.  Built by `make bench' only.
   Copyright (C) 2026 The mmalloc developers.  This file is part of
   mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include <boost/interprocess/managed_mapped_file.hpp>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <new>
#include <unistd.h>
#include <mmalloc.h>
#include "bench.h"

namespace bip = boost::interprocess;

/* The Boost file is created at its final size: managed_mapped_file
   cannot grow while mapped.  Sparse, so the size costs nothing.  */
static const std::size_t BOOST_SIZE = std::size_t (1) << 30;

struct boost_heap
{
  bip::managed_mapped_file seg;
  explicit boost_heap (const char *path)
    : seg (bip::create_only, path, BOOST_SIZE) {}
  void *alloc (std::size_t n) { return seg.allocate (n, std::nothrow); }
  void release (void *p) { seg.deallocate (p); }
};

/* FLAGS: 0, or MMALLOC_CACHE for the heap file with thread caches.  */
template <unsigned int FLAGS>
struct mmalloc_heap_t
{
  int fd;
  void *md;
  explicit mmalloc_heap_t (const char *path)
  {
    struct mmalloc_options o;
    std::memset (&o, 0, sizeof o);
    o.size = sizeof o;
    o.flags = FLAGS;
    fd = open (path, O_RDWR | O_CREAT | O_EXCL, 0600);
    md = fd >= 0 ? mmalloc_attach_opts (fd, NULL, &o) : NULL;
    if (md == NULL)
      {
	perror (path);
	std::exit (2);
      }
  }
  ~mmalloc_heap_t () { mmalloc_detach (md); close (fd); }
  void *alloc (std::size_t n) { return mmalloc (md, n); }
  void release (void *p) { mfree (md, p); }
};
typedef mmalloc_heap_t<0> mmalloc_heap;
typedef mmalloc_heap_t<MMALLOC_CACHE> mmalloc_cached_heap;

static std::size_t
rsize (uint64_t *s, std::size_t max)
{
  return 16 + bench_rand (s) % (max - 15);
}

template <class H> static double
pair (H &h, long n)
{
  for (int i = 0; i < 256; i++)
    h.release (h.alloc (64));
  double t = bench_now ();
  for (long i = 0; i < n; i++)
    {
      void *p = h.alloc (64);
      bench_escape (p);
      h.release (p);
    }
  return (bench_now () - t) / n * 1e9;
}

template <class H> static double
churn (H &h, long n)
{
  enum { LIVE = 8192 };
  static void *v[LIVE];
  uint64_t s = 0x9E3779B97F4A7C15ULL;

  for (int i = 0; i < LIVE; i++)
    v[i] = h.alloc (rsize (&s, 256));
  double t = bench_now ();
  for (long i = 0; i < n; i++)
    {
      int j = bench_rand (&s) % LIVE;
      std::size_t sz = rsize (&s, 256);
      h.release (v[j]);
      char *p = static_cast<char *> (h.alloc (sz));
      p[0] = p[sz - 1] = 1;
      v[j] = p;
    }
  t = bench_now () - t;
  for (int i = 0; i < LIVE; i++)
    h.release (v[i]);
  return t / n * 1e9;
}

template <class H> static double
fill (H &h, long bytes)
{
  uint64_t s = 0x9E3779B97F4A7C15ULL;
  long total = 0, n = 0;
  double t = bench_now ();

  while (total < bytes)
    {
      std::size_t sz = rsize (&s, 256);
      char *p = static_cast<char *> (h.alloc (sz));
      if (p == NULL)
	{
	  std::fprintf (stderr, "fill: heap full after %ld bytes\n", total);
	  std::exit (2);
	}
      p[0] = 1;
      total += sz;
      n++;
    }
  return (bench_now () - t) / n * 1e9;
}

template <class H> static int
run (const char *path, int argc, char **argv)
{
  int rc = 0;
  {
    H h (path);
    for (int i = 0; i < argc && rc == 0; i++)
      {
	double v;
	if (std::strcmp (argv[i], "pair") == 0)
	  v = pair (h, bench_scaled (5000000));
	else if (std::strcmp (argv[i], "churn256") == 0)
	  v = churn (h, bench_scaled (2000000));
	else if (std::strcmp (argv[i], "fill") == 0)
	  v = fill (h, bench_scaled (256L << 20));
	else
	  {
	    std::fprintf (stderr, "bip: unknown workload %s\n", argv[i]);
	    rc = 2;
	    break;
	  }
	std::printf ("%s %.3f ns/op\n", argv[i], v);
	std::fflush (stdout);
      }
  }
  unlink (path);
  return rc;
}

int
main (int argc, char **argv)
{
  if (argc >= 4 && std::strcmp (argv[1], "boost") == 0)
    return run<boost_heap> (argv[2], argc - 3, argv + 3);
  if (argc >= 4 && std::strcmp (argv[1], "mmalloc") == 0)
    return run<mmalloc_heap> (argv[2], argc - 3, argv + 3);
  if (argc >= 4 && std::strcmp (argv[1], "cmmalloc") == 0)
    return run<mmalloc_cached_heap> (argv[2], argc - 3, argv + 3);
  std::fprintf (stderr, "usage: %s boost|mmalloc|cmmalloc PATH "
		"pair|churn256|fill...\n",
		argv[0]);
  return 2;
}
