#!/usr/bin/env bash
# Every table of experiments/null_baseline/README.md. With init=ramp and exact readout the seed changes
# nothing (QAOA is deterministic then); SEEDS="0" runs one seed per configuration.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
S=experiments/null_baseline/qaoa_vs_uniform.py
R=experiments/null_baseline/results
mkdir -p "$R"
run() { local name=$1; shift; "$PY" "$S" --seeds ${SEEDS:-0 1 2 3 4} --json "$R/$name.json" "$@" | tee "$R/$name.txt"; }
run unbalanced_p2_60        -P reps=2 -P maxiter=60
run unbalanced_p3_200_cvar  -P reps=3 -P maxiter=200 -P cvar_alpha=0.25
run auto_p2_100             -F centre=auto -P reps=2 -P maxiter=100
run auto_p3_200             -F centre=auto -P reps=3 -P maxiter=200
run auto_p3_200_cvar        -F centre=auto -P reps=3 -P maxiter=200 -P cvar_alpha=0.25
run auto_p3_200_cvar_interp -F centre=auto -P reps=3 -P maxiter=200 -P cvar_alpha=0.25 --solver qaoa-interp
run lagrangian_lp_p2_100    --formulation lagrangian-lp -P reps=2 -P maxiter=100
run lagrangian_lp_p3_200    --formulation lagrangian-lp -P reps=3 -P maxiter=200
# objective: problem (the loop minimises the problem's own cost; the circuit stays the QUBO's)
run auto_problem_p3_200      -F centre=auto -P reps=3 -P maxiter=200 -P objective=problem
run auto_problem_p3_200_cvar -F centre=auto -P reps=3 -P maxiter=200 -P objective=problem -P cvar_alpha=0.25
# CVaR alpha for objective: problem chosen on held-out knapsacks of SAC-94's sizes (15 and 20 items, 10 rows)
H=experiments/null_baseline/held_out.py
for a in 1.0 0.5 0.25; do
  "$PY" "$H" --sizes 15x10 20x10 --tightness 0.25 0.5 --instance-seeds 2001 2002 --encodings auto \
      -P reps=3 -P maxiter=200 -P objective=problem -P cvar_alpha=$a | tee "$R/held_out_large_problem_a$a.txt"
done
# the 12 small held-out knapsacks (both encodings), QUBO objective and objective: problem
"$PY" "$H" -P reps=3 -P maxiter=200 -P cvar_alpha=0.25 | tee "$R/held_out_p3_200_cvar.txt"
for a in 1.0 0.5 0.25; do
  "$PY" "$H" -P reps=3 -P maxiter=200 -P objective=problem -P cvar_alpha=$a | tee "$R/held_out_problem_p3_200_a$a.txt"
done
# knapsacks as loose as SAC-94's four (uniform feasible mass 0.26-0.67), and a CVaR over the feasible
# part only (cvar_scope: feasible) on all three held-out sets
LOOSE="--sizes 10x10 15x10 20x10 --tightness 0.55 0.65 --instance-seeds 3001 3002 --encodings auto"
for a in 1.0 0.5 0.25; do
  suffix=$([ "$a" = 1.0 ] && echo "" || echo "_all")
  "$PY" "$H" $LOOSE -P reps=3 -P maxiter=200 -P objective=problem -P cvar_alpha=$a | tee "$R/held_out_loose_a$a$suffix.txt"
done
for a in 0.5 0.25 0.1; do
  F="-P reps=3 -P maxiter=200 -P objective=problem -P cvar_alpha=$a -P cvar_scope=feasible"
  "$PY" "$H" $LOOSE $F | tee "$R/held_out_loose_a${a}_feas.txt"
  "$PY" "$H" --sizes 15x10 20x10 --tightness 0.25 0.5 --instance-seeds 2001 2002 --encodings auto $F \
      | tee "$R/held_out_large_problem_a${a}_feas.txt"
  "$PY" "$H" --encodings auto $F | tee "$R/held_out_problem_p3_200_a${a}_feas.txt"
done
"$PY" experiments/null_baseline/held_out_summary.py
# run once on the four after the held-out choice, for the record
run auto_problem_p3_200_fcvar -F centre=auto -P reps=3 -P maxiter=200 -P objective=problem -P cvar_alpha=0.25 -P cvar_scope=feasible
