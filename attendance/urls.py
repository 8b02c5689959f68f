from django.urls import path

from attendance.views import ticket, venue

app_name = "attendance"

urlpatterns = [
    # The scan API first: it is asked for once per senior in the queue (see config/urls.py).
    path("venue/api/checkin/", venue.api_checkin, name="api_checkin"),
    # Residents' ticket pages: no login, the unguessable token is the key (helper_tickets)
    path("t/<str:token>/", ticket.ticket_page, name="ticket"),
    path("t/<str:token>/cancel/", ticket.ticket_cancel_view, name="ticket_cancel"),
    path("t/<str:token>/offer/accept/", ticket.ticket_offer_accept, name="ticket_offer_accept"),
    path("t/<str:token>/offer/decline/", ticket.ticket_offer_decline, name="ticket_offer_decline"),
    path("t/<str:token>/ticket.pdf", ticket.ticket_pdf_view, name="ticket_pdf"),
    # Staff: print, download and reissue tickets; the paper roster (helper_tickets)
    path(
        "desk/bookings/<int:pk>/ticket/", ticket.booking_ticket_panel, name="booking_ticket_panel"
    ),
    path("desk/bookings/<int:pk>/ticket.pdf", ticket.staff_ticket_pdf, name="staff_ticket_pdf"),
    path(
        "desk/bookings/<int:pk>/ticket/reissue/", ticket.ticket_reissue_view, name="ticket_reissue"
    ),
    path("sessions/<int:pk>/roster.pdf", ticket.roster_pdf_view, name="roster_pdf"),
    # The venue: today's sessions, scanner, roster check-in, walk-ins (helper_scanner)
    path("venue/", venue.today, name="venue_today"),
    path("venue/sessions/<int:pk>/", venue.session_checkin, name="venue_session"),
    path("venue/sessions/<int:pk>/counts/", venue.session_counts, name="venue_counts"),
    path("venue/sessions/<int:pk>/scan-pass/", venue.scan_pass_renew, name="venue_scan_pass_renew"),
    path("venue/sessions/<int:pk>/roster/", venue.session_roster_view, name="venue_roster"),
    path("venue/sessions/<int:pk>/checkin/", venue.roster_checkin, name="venue_checkin"),
    path("venue/sessions/<int:pk>/undo/", venue.checkin_undo_view, name="venue_undo"),
    path("venue/sessions/<int:pk>/walk-in/", venue.walkin, name="venue_walkin"),
    path(
        "venue/sessions/<int:pk>/walk-in/search/", venue.walkin_search, name="venue_walkin_search"
    ),
]
