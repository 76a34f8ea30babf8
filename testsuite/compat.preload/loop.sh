# loop.sh -- compat.preload: a bash loop (arrays, associative arrays,
# string growth, command substitution) whose output must be the same
# with and without the malloc replacement preloaded.
# Copyright (C) 2026 The mmalloc developers.
# This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.

declare -a arr
declare -A assoc
s=
for ((i = 0; i < 20000; i++)); do
    arr[i]=$((i * i % 1000003))
    assoc["key$((i % 3000))"]+="$i "
    s+="${i: -1}"
done
echo "array ${#arr[@]} last ${arr[19999]}"
echo "assoc ${#assoc[@]} key42 ${#assoc[key42]}"
echo "string ${#s} ${s:1000:40}"
for ((i = 0; i < 20000; i += 3)); do
    unset 'arr[i]'
done
echo "after unset ${#arr[@]}"
sum=0
for k in "${!assoc[@]}"; do
    set -- ${assoc[$k]}
    sum=$((sum + $#))
done
echo "words $sum"
for ((i = 0; i < 50; i++)); do
    v=$(printf '%s-%d' "x$i" $((i * 7)))
    out+="$v;"
done
echo "subst ${#out} ${out:0:60}"
