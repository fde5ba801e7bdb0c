"""Statistical secrecy of everything readers outside the analysts can see.

Visitors read *releases*: for each scope (a solution, a category, the whole platform) every view and every
figure is computed at once from the voices (`figures`), protected as one system of linked tables
(`protect`, with the interval audit of `audit`), and stored (`app.services.releases`). Pages, the API,
guides, PDFs and the observatory read only what a release stores.
"""
