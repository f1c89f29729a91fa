"""The community API (staff): spaces, questions, answers, ideas and known-issue notices.

The walls of the staff pages hold here. Every staff role reads what the community shows (the
published posts of every space, members-only ones too). Posts waiting for a moderator or
hidden by one are seen, approved and hidden by the roles that moderate their space, as in the
moderation queue (admins: every space; fundraisers, volunteer coordinators and caseworkers: the
spaces open to their stakeholders or to everyone); for anyone else such a post is not found.
Editing, locking, moving and merging stay on the moderation pages. Authors appear as members
do on the community (display name, expert badge), never as their contact. Spaces are changed
by admins, ideas' status and notices by the staff who do so on the pages. Every write goes
through the community's services, so pages and API leave the same audit trail and refuse the
same input; a service's ``ValidationError`` comes back as a 400 naming the field.

Lists page by key and read their rows with the author in the same query, so a page of 200
costs the same number of queries as a page of 2.
"""

from rest_framework.routers import SimpleRouter

from community.api.ideas import IdeaViewSet
from community.api.notices import NoticeViewSet
from community.api.posts import AnswerViewSet, QuestionViewSet
from community.api.spaces import SpaceViewSet

router = SimpleRouter()
router.register("community/spaces", SpaceViewSet, basename="community-space")
router.register("community/questions", QuestionViewSet, basename="community-question")
router.register("community/answers", AnswerViewSet, basename="community-answer")
router.register("community/ideas", IdeaViewSet, basename="community-idea")
router.register("community/notices", NoticeViewSet, basename="community-notice")
