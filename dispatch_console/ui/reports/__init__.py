"""The Reports tab: counts, chart, exports, follow-ups and case actions."""
