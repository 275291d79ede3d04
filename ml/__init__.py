"""Pure computation: schedule optimiser, analytics, predictors. No I/O, no project imports."""
