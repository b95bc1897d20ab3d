"""The papers' experiments as data (`config/experiments/*.yaml`) and their expansion with a
run's config into the plan the workflow runs (`plan.plan`)."""
