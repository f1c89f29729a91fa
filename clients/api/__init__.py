"""API of the clients app: service requests with their messages and files, service levels,
the working-time clock (working hours, holidays), request and article categories, help-centre
articles, programmes with their sessions, attendance and completions, and service records.
Client data is for caseworkers and admins only — other roles get 404 here too — and every read
of a client record is written to the access log."""

from rest_framework.routers import SimpleRouter

from clients.api.casework import (
    AttachmentViewSet,
    HolidayViewSet,
    ProgrammeCompletionViewSet,
    RequestMessageViewSet,
    WorkingHoursViewSet,
)
from clients.api.categories import ArticleCategoryViewSet, RequestCategoryViewSet
from clients.api.programmes import AttendanceViewSet, ProgrammeViewSet, SessionViewSet
from clients.api.requests import (
    ArticleViewSet,
    ServiceLevelViewSet,
    ServiceRecordViewSet,
    ServiceRequestViewSet,
)

router = SimpleRouter()
router.register("service-requests", ServiceRequestViewSet, basename="service-request")
router.register("service-levels", ServiceLevelViewSet, basename="service-level")
router.register("articles", ArticleViewSet, basename="article")
router.register("service-records", ServiceRecordViewSet, basename="service-record")
router.register("programmes", ProgrammeViewSet, basename="programme")
router.register("sessions", SessionViewSet, basename="session")
router.register("attendance", AttendanceViewSet, basename="attendance")
router.register("request-categories", RequestCategoryViewSet, basename="request-category")
router.register("article-categories", ArticleCategoryViewSet, basename="article-category")
router.register("programme-completions", ProgrammeCompletionViewSet, basename="completion")
router.register("request-messages", RequestMessageViewSet, basename="request-message")
router.register("working-hours", WorkingHoursViewSet, basename="working-hours")
router.register("holidays", HolidayViewSet, basename="holiday")
router.register("attachments", AttachmentViewSet, basename="attachment")
