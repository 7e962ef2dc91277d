"""Real-browser journeys and accessibility checks: Playwright driving Debian's Chromium."""
