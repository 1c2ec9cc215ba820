"""Evaluation of predictive maps: hit rate, PAI, PEI, RRI and rolling-origin backtests."""

from hotspots.evaluate.backtest import BASELINES, BacktestResult, backtest, parse_period
from hotspots.evaluate.metrics import CoverageScores, best_captured, captured, coverage_scores

__all__ = [
    "BASELINES",
    "BacktestResult",
    "CoverageScores",
    "backtest",
    "best_captured",
    "captured",
    "coverage_scores",
    "parse_period",
]
