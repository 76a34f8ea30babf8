# hashes.pl -- a hash-heavy workload for compat.preload.  Deterministic
# output, compared with a plain run's.
use strict;
use warnings;

my $seed = 20261206;
sub rnd { $seed = ($seed * 1103515245 + 12345) % 2147483648; return $seed % $_[0]; }

# A big hash of small hashes and arrays, grown and pruned.
my %h;
for my $i (0 .. 199999) {
    my $k = "k" . rnd(50000);
    my $e = ($h{$k} //= { n => 0, tags => [] });
    $e->{n}++;
    push @{ $e->{tags} }, $i % 97 if @{ $e->{tags} } < 8;
    delete $h{ "k" . rnd(50000) } if $i % 7 == 0;
}
my $total = 0;
$total += $_->{n} for values %h;
printf "keys %d total %d\n", scalar(keys %h), $total;

# Word counts over generated text.
my @words = map { "w" . rnd(5000) } 1 .. 300000;
my %count;
$count{$_}++ for @words;
my @top = (sort { $count{$b} <=> $count{$a} || $a cmp $b } keys %count)[0 .. 19];
printf "%s %d\n", $_, $count{$_} for @top;

# Strings built and thrown away; hashes of arrays sorted.
for my $round (0 .. 4) {
    my %s;
    $s{ rnd(100000) } = "x" x rnd(64) for 1 .. 50000;
    my $len = 0;
    $len += length $s{$_} for keys %s;
    my @sorted = sort { $a <=> $b } keys %s;
    printf "round %d %d %d %d %d\n", $round, scalar(keys %s), $len,
        $sorted[0], $sorted[-1];
}
