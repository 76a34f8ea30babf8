/* ansidecl.h -- a minimal stand-in for the ansidecl.h of GDB 4.x-era
   trees (GDB's include/, libiberty), for the compat.header tests: the
   same include guard (_ANSIDECL_H) and the same definitions of PTR and
   PARAMS, spelled as those trees spelled them (PARAMS's parameter was
   named paramlist), for ANSI and for K&R compilers.  Sources that
   include it before <mmalloc.h> must keep these definitions.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#ifndef _ANSIDECL_H
#define _ANSIDECL_H 1

#if defined (__STDC__) || defined (__cplusplus)
#define PTR		void *
#define PTRCONST	void *const
#define PARAMS(paramlist)	paramlist
#define ANSI_PROTOTYPES	1
#else
#define PTR		char *
#define PTRCONST	PTR
#define PARAMS(paramlist)	()
#endif

#endif /* _ANSIDECL_H */
