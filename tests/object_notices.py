"""The rows of tests/test_object_access.py for following and unsubscribing (app.notices): each person's own."""

from __future__ import annotations

from tests.object_world import CATEGORY_KINDS, GUIDE_KINDS, SOLUTION_KINDS, UNSUBSCRIBE_KINDS

# name -> (endpoint, kinds, url(world, object)), as test_object_access.Route takes them.
ROUTES = {
    "notices.follow": ("notices.follow", SOLUTION_KINDS, lambda w, o: f"/follows/solution/{o.id}"),
    "notices.follow(category)": ("notices.follow", CATEGORY_KINDS, lambda w, o: f"/follows/category/{o.id}"),
    "notices.follow(guide)": ("notices.follow", GUIDE_KINDS, lambda w, o: f"/follows/guide/{o.id}"),
    "notices.unfollow": ("notices.unfollow", SOLUTION_KINDS, lambda w, o: f"/follows/solution/{o.id}/stop"),
    "notices.unfollow(category)": ("notices.unfollow", CATEGORY_KINDS, lambda w, o: f"/follows/category/{o.id}/stop"),
    "notices.unfollow(guide)": ("notices.unfollow", GUIDE_KINDS, lambda w, o: f"/follows/guide/{o.id}/stop"),
    "notices.unsubscribe": ("notices.unsubscribe", UNSUBSCRIBE_KINDS, lambda w, o: f"/unsubscribe/{o.token}"),
}

EXPECTED = {
    # Following is for oneself, what the catalogue shows: no archived solution, no unpublished guide.
    #                                                                   vis.   contr. ref.   mod.   anal.  admin
    ("notices.follow", "POST", "solution"):                            "login  302    302    302    302    302    302",
    ("notices.follow", "POST", "archived solution"):                   "login  404    404    404    404    404    404",
    ("notices.follow(category)", "POST", "category"):                  "login  302    302    302    302    302    302",
    ("notices.follow(guide)", "POST", "published guide"):              "login  302    302    302    302    302    302",
    ("notices.follow(guide)", "POST", "unpublished guide"):            "login  404    404    404    404    404    404",
    # Unfollowing what one does not follow changes nothing: never the other establishment's author's follows.
    **{(route, "POST", kind): "login  302=   302=   302=   302=   302=    302="
       for route, kinds in (("notices.unfollow", SOLUTION_KINDS), ("notices.unfollow(category)", CATEGORY_KINDS),
                            ("notices.unfollow(guide)", GUIDE_KINDS)) for kind in kinds},
    # The signed link is the credential, whoever follows it; it only ever turns its person's notices off.
    ("notices.unsubscribe", "GET", "another person's unsubscribe link"): "200 200  200    200    200    200    200",
    ("notices.unsubscribe", "POST", "another person's unsubscribe link"): "200 200 200    200    200    200    200",
}
