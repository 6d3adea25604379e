app-name = ChatBot Factory
language = Language
language-apply = Apply
theme-toggle = Theme
welcome-title = Welcome to ChatBot Factory
welcome-text = Your own private ChatGPT: sign up, pick a model and start chatting.

# Errors
error-not-found = We could not find that page.
error-unauthorized = Please log in to continue.
error-forbidden = You are not allowed to do that.
error-csrf = This form has expired or came from another site. Reload the page and try again.
error-bad-request = The request could not be understood.
error-bad-form = The form could not be read. Reload the page and try again.
error-bad-json = The request body is not valid JSON of the expected shape.
error-too-large = The request is too large.
error-upload-too-large = The file is too large: uploads may be at most { $mb } MB.
error-rate-limited = Too many attempts. Please wait { $minutes } minute(s) and try again.
error-internal = Something went wrong on our side. Please try again in a moment.
error-retry-later = You can try again later.
error-back-home = Back to the start page
error-busy-retry = Someone changed this at the same moment. Please try again.
error-server-busy = The service is busy or briefly unavailable. Please try again in a few seconds.
error-admin-only = This area is for the administrator only.

# Forms and fields
field-username = Username
field-email = E-mail
field-login = Username or e-mail
field-password = Password
field-password-confirm = Repeat the password
field-new-password = New password
field-current-password = Current password
username-hint = 3–32 letters, digits, dots, dashes or underscores.
password-hint = At least 8 characters. Long phrases are best.
save = Save
loading = Loading…

# Validation
username-length = A username has 3 to 32 characters.
username-characters = Use letters, digits, “.”, “-” or “_”, starting with a letter or digit.
username-reserved = This username is reserved. Please choose another.
username-taken = This username is already taken.
email-invalid = Please enter a valid e-mail address.
email-taken = An account with this e-mail already exists.
password-too-short = The password needs at least 8 characters.
password-too-long = The password can have at most 128 characters.
password-too-common = This password is too common or too easy to guess. Try a longer phrase.
password-mismatch = The two passwords do not match.
password-current-wrong = The current password is not correct.
prompt-empty = Please write a message first.
prompt-too-long = The message is too long (at most { $max } characters).
prompt-char-count = { $count } / { $max }
rating-invalid = A rating is "up", "down" or nothing.
title-empty = The title cannot be empty.
title-too-long = The title can have at most 200 characters.

# Registration and login
register-title = Create your account
register-lead = Sign up to start chatting.
register-submit = Sign up
register-have-account = Already have an account?
register-link = Sign up
login-title = Welcome back
login-submit = Log in
login-link = Log in
login-no-account = No account yet?
forgot-link = Forgot password?
login-invalid = The username, e-mail or password is not correct.
login-blocked = This account has been blocked by the administrator.
login-blocked-reason = This account has been blocked by the administrator: { $reason }
logout = Log out

# E-mail verification
verify-title = E-mail verification
verify-done-title = Your e-mail is verified
verify-done-text = Thank you! You can now send messages.
verify-failed-title = This link does not work
verify-failed-text = You can ask for a new link from your profile or the chat page.
verify-sent-title = Check your inbox
verify-sent-text = We sent a new verification link to { $email }.
verify-needed = Please verify your e-mail address ({ $email }) to start chatting: open the link we sent you.
verify-resend = Resend the e-mail
verify-resend-wait = Please wait { $seconds } seconds before asking for another e-mail.
start-chatting = Start chatting
verify-done-login = Log in to start chatting
back-to-chat = Back to the chat
token-invalid = This link is not valid.
token-used = This link has already been used.
token-expired = This link has expired. Please ask for a new one.
email-verify-subject = Confirm your e-mail for ChatBot Factory
email-verify-body =
    Hello { $name },

    please confirm your e-mail address by opening this link:
    { $link }

    The link works once and for { $hours } hours. If you did not sign up, ignore this e-mail.

# Password reset
forgot-title = Reset your password
forgot-lead = Enter your e-mail and we will send you a link to choose a new password.
forgot-submit = Send the link
forgot-sent-title = Check your inbox
forgot-sent-text = If an account uses this address, we have sent it a link to reset the password. The link works for one hour.
reset-title = Choose a new password
reset-submit = Save the new password
reset-ask-again = Ask for a new link
email-reset-subject = Reset your ChatBot Factory password
email-reset-body =
    Hello { $name },

    someone (hopefully you) asked to reset your password. Choose a new one here:
    { $link }

    The link works once and for { $minutes } minutes. If you did not ask for it, ignore this e-mail: your password stays the same.

# App shell
sidebar-label = Chats
sidebar-open = Open the sidebar
sidebar-close = Close the sidebar
scroll-to-bottom = Scroll to the newest message
new-chat = New chat
search-chats = Search chats
chat-history = Chat history
group-today = Today
group-yesterday = Yesterday
group-week = Previous 7 days
group-older = Older
no-chats = No chats yet.
no-search-results = No chats match your search.
chat-rename = Rename
chat-delete = Delete
chat-options = Chat options
chat-delete-confirm = Delete “{ $title }”? This cannot be undone.
chat-rename-prompt = New title for this chat:
profile = Profile
empty-chat-title = What can I help with?

# Profile
profile-title = Your profile
profile-edit = Edit profile
profile-saved = Your profile was saved.
password-changed = Your password was changed. Other devices have been logged out.
email-verified = verified
email-unverified = not verified
email-change-hint = A new address must be verified again.
joined = Joined
previous-chats = Previous chats
password-change = Change password
password-change-note = Changing the password logs out every other device.
account-delete = Delete account
account-delete-text = This deletes your account and all your chats. Your username and e-mail become free.
account-delete-confirm = Really delete your account and all chats?
your-data = Your data
your-data-text = Download every chat as Markdown and JSON, or delete all chats and keep the account.
export-my-data = Export my data
delete-all-chats = Delete all chats
delete-all-chats-confirm = Delete all your chats? This cannot be undone.
chats-deleted-notice = All your chats have been deleted.

# Admin
admin-title = Admin
admin-login-title = Admin login
admin-login-lead = For the administrator of this ChatBot Factory.
admin-welcome = Hello, { $name }
admin-logged-in-as = You are logged in as the administrator { $name } ({ $email }).
admin-nav-dashboard = Dashboard
admin-nav-pdf-models = PDF models
coming-soon = soon

# Chat
composer-placeholder = Message ChatBot Factory
send = Send
stop = Stop
composer-note = Answers can be wrong. Check important information.
load-earlier = Show earlier messages
copy = Copy
copied = Copied
regenerate = Regenerate
rate-good = Good answer
rate-bad = Bad answer
version-previous = Previous answer
version-next = Next answer
edit-prompt = Edit message
edit-send = Send
prompt-version-previous = Previous version
prompt-version-next = Next version
retry = Retry
answer-failed = The answer failed:
answer-stopped = You stopped this answer.
choose-model = Choose a model
tokens-meta = { $prompt } + { $completion } tokens
waiting-local-model = Waiting for the local model (place { $position } in the queue)…
connection-lost = The connection was lost. Reload the page to see the saved answer.
model-loading = preparing: { $detail }
model-unavailable = unavailable: { $reason }
chat-limit-notice = This chat reached its prompt limit ({ $limit }). Start a new chat to continue.
chat-limit-remaining = Prompts left in this chat: { $remaining }.
chat-limit-reached = This chat reached its prompt limit ({ $limit }). Start a new chat to continue.
chat-busy = An answer is still being written in this chat.
chat-nothing-to-regenerate = There is no answer to regenerate.
chat-verify-first = Please verify your e-mail address before sending messages.

# Model errors
llm-invalid-key = the API key was refused by the model server. The administrator must check OPENAI_API_KEY.
llm-quota = the model account has no quota left. Please tell the administrator.
llm-rate-limited = the model is busy right now. Please try again in a moment.
llm-context-too-long = this conversation is too long for the model. Start a new chat.
llm-unknown-model = the model “{ $model }” is not known to the server.
llm-timeout = the model did not answer in time.
llm-connection = the model server could not be reached.
llm-upstream = the model server had a problem (status { $status }).
llm-unavailable = the model is not available ({ $reason }).
llm-interrupted = the answer broke off before it was complete.
llm-interrupted-restart = the server restarted while this answer was being written.

# Admin panel
admin-nav-users = Users
admin-nav-chats = Chats
admin-nav-settings = Limits and models
admin-nav-audit = Audit log
admin-user-title = User
admin-chat-title = Chat
admin-range = Period
admin-range-days = Last { $days } days
admin-range-custom = Custom
admin-from = From
admin-to = To
admin-show = Show
admin-figures = Figures
admin-today = today
admin-in-range = { $count } in the period
admin-stat-users = Users
admin-stat-active = Active today
admin-stat-chats = Chats
admin-stat-prompts = Prompts
admin-stat-api-prompts = API prompts
admin-stat-answers = Answers
admin-stat-failed = Failed answers
admin-stat-stopped = Stopped answers
admin-stat-prompt-tokens = Prompt tokens
admin-stat-completion-tokens = Completion tokens
admin-stat-likes = 👍 Good
admin-stat-dislikes = 👎 Bad
admin-stat-blocked = Blocked users
admin-charts = Per day, { $from } to { $to }
chart-prompts = Prompts, answers and refusals
chart-users = Active and new users
chart-tokens = Tokens
chart-models = Prompts per model
admin-by-model = Per model in the period
admin-col-model = Model
admin-col-title = Title
admin-col-status = Status
admin-col-tokens = Tokens
admin-col-updated = Last activity
admin-col-last-active = Last active
admin-col-verified = Verified
admin-col-kind = Kind
admin-col-when = When
admin-col-who = Who
admin-col-action = Action
admin-col-target = Target
admin-col-details = Details
admin-nothing-yet = Nothing here yet.
admin-search-users = Search by username or e-mail
admin-search-content = Search in titles and messages
admin-filter-user = User (name or id)
admin-select = Select
admin-export-selected = Export the selected users’ chats (zip)
admin-export-none = Select at least one user to export.
admin-pages = Pages
admin-page-of = Page { $page } of { $pages } ({ $total } in all)
admin-active = active
admin-blocked = blocked
admin-block = Block
admin-unblock = Unblock
admin-block-reason = Reason shown to the user (optional)
admin-block-confirm = Block this user? Their sessions end at once.
admin-daily-quota = Prompts per day (0 = the site default)
admin-quota-default = Uses the site default: { $default ->
    [0] no daily limit
   *[other] { $default } prompts a day
}.
admin-quota-own = Has their own quota.
admin-quota-today = Today: { $used } of { $limit }.
admin-rate-limit = { $per_minute ->
    [0] No limit on prompts per minute.
   *[other] At most { $per_minute } prompts per user per minute.
}
admin-usage-limits-note = The daily quota counts every chat of a user; set DAILY_PROMPT_QUOTA and RATE_LIMIT_PROMPTS_PER_MINUTE in .env, or a user's own quota on their page.
admin-done = Saved.
admin-print = Print
pdf-user = User
pdf-assistant = Assistant
pdf-details = User: { $user } · Model: { $model } · Started: { $started } · Last activity: { $updated } ({ $zone })
admin-usage-30 = Prompts in the last 30 days
admin-started = Started
admin-chat-limit = Prompt limit for this chat
admin-default = default
admin-chat-active = active
admin-chat-at-limit = at its limit
admin-role-user = User
admin-role-assistant = Assistant
admin-limits = Limits
admin-default-limit = Prompts per chat (site-wide default)
admin-limits-note = A chat's own limit (set on its page) wins over this default.
admin-models = Models in the picker
admin-enabled = enabled
admin-disabled = disabled
admin-enable = Enable
admin-disable = Disable
admin-make-default = Make default
admin-model-default-disable = The default model cannot be disabled; choose another default first.
admin-model-enable-first = Enable the model before making it the default.
admin-number-invalid = Please enter a whole number.
chat-daily-quota = You reached your limit of { $limit } messages today. It resets at midnight UTC, in { $hours } h { $minutes } min.
chat-too-fast = You are sending messages too quickly. Please wait { $seconds } seconds.

# PDF models: why an uploaded PDF cannot be used
pdf-unreadable = The uploaded file could not be read. Please upload it again.
pdf-too-large = The file is too large ({ $size } MB); the limit is { $max } MB.
pdf-not-pdf = This file is not a PDF.
pdf-malformed = The PDF is damaged or incomplete and cannot be read. Try exporting or saving it again.
pdf-encrypted = The PDF is protected by a password. Remove the password and upload it again.
pdf-no-pages = The PDF has no pages.
pdf-too-many-pages = The PDF has { $pages } pages; at most { $max } are allowed.
pdf-no-text = The PDF has no text layer: it seems to be scanned. Text recognition (OCR) is not supported; please upload a PDF whose text can be selected.
pdf-garbled = The text of this PDF cannot be decoded (its fonts have no character map). Export the PDF again, or from another program.
pdf-timeout = Reading the PDF took too long (over { $seconds } seconds). Try a smaller file.

## PDF models (admin)
admin-models-intro = Turn one PDF into a model users can pick: its answers come from the document and cite its pages.
admin-models-none = No PDF models yet.
admin-model-new = New model
admin-model-create = Create model
admin-model-name = Name
admin-model-description = Description
admin-model-description-hint = Shown under the name in the model picker.
admin-model-instructions = Instructions (optional)
admin-model-instructions-hint = Extra rules for the model, added to its system prompt (tone, language, what to refuse).
admin-model-base = Base model
admin-model-pdf = PDF file
admin-model-pdf-hint = One PDF with a text layer, up to { $mb } MB and { $pages } pages.
admin-model-pages = Pages
admin-model-chunks = Passages
admin-model-pdf-size = PDF size
admin-model-created = Created
admin-model-launched = Launched
admin-model-is-launched = launched
admin-model-status-ingesting = reading the PDF
admin-model-status-ready = ready
admin-model-status-failed = failed
admin-model-status-deleted = deleted
admin-model-launch = Launch
admin-model-unlaunch = Unlaunch
admin-model-reingest = Read the PDF again
admin-model-edit = Edit
admin-model-delete = Delete
admin-model-delete-title = Delete “{ $name }”?
admin-model-delete-explain = The model leaves the picker, its vectors and its PDF are removed. Chats that used it stay readable but cannot be continued. This cannot be undone.
admin-model-delete-confirm = Delete the model
admin-model-name-required = Give the model a name.
admin-model-too-long = The { $field } is too long (at most { $max } characters).
admin-model-launch-not-ready = Only a model whose PDF has been read can be launched.
admin-model-base-invalid = Choose a base model from the list.
admin-model-pdf-required = Choose a PDF file.
cancel = Cancel
dialog-ok = OK
pdf-unreadable-short = The PDF file could not be read. Upload it again.
pdf-too-large-short = The PDF is larger than the allowed size.
pdf-too-many-pages-short = The PDF has more pages than allowed.
pdf-timeout-short = Reading the PDF took too long. Try a smaller file.
pdf-embedder = The embedding model could not run. Check the server's log, then read the PDF again.
pdf-internal = Something went wrong while reading the PDF. Check the server's log, then read the PDF again.
model-not-offered = unavailable
admin-model-read-elsewhere = Another server of this site is reading this PDF right now; try again when it is done.
admin-model-status-elsewhere = read by another server of this site
account-deleted-notice = Your account and all your chats have been deleted.
theme-system = System
theme-dark = Dark
theme-light = Light
model-not-set-up = not set up on this site yet
model-not-launched = not available right now
model-gone-notice = “{ $name }” is not available right now. Choose another model at the top to continue this chat, or start a new one.
llm-not-set-up = this model is not available on this site right now. Choose another model at the top and send your message again.
model-preparing = getting ready, it can answer in a moment
admin-default-fallback = The default model “{ $chosen }” cannot answer on this server ({ $reason }), so new chats start with “{ $instead }”. Set it up, or choose another default model below.
admin-default-none = The default model “{ $chosen }” cannot answer on this server ({ $reason }), and no other model can. Set it up, or enable another model below.
bot-base-unavailable = the model this bot answers with is not available right now; its owner can choose another one in the bot's settings
bot-not-shared = This bot is no longer shared.
bot-not-shared-text = Its owner may have made it private, or the link is mistyped. You can still chat with the site's models.
admin-of-users = of { $count } users
admin-stat-open-chats = Chats open now
admin-open-chats-note = answering or read in the last minutes, on this server

# Settings
settings-title = Settings
settings-general = General
settings-saved = Your settings were saved.
custom-instructions = Custom instructions
custom-instructions-text = What should the assistant know about you, and how should it answer? New chats follow these instructions.
custom-about = What should the assistant know about you?
custom-about-placeholder = For example: I am a teacher in Tashkent; I prefer examples from everyday life.
custom-style = How should it answer?
custom-style-placeholder = For example: short answers, in Uzbek, with a summary at the end.
custom-instructions-note = Chats you already have keep the instructions they started with.
custom-instructions-too-long = At most { $max } characters, please.
archived-chats = Archived chats
no-archived-chats = No archived chats. Archive a chat from its menu in the sidebar to keep it out of the way.
unarchive = Unarchive
chat-archive = Archive
chat-archived-notice = This conversation is archived.

# Event browser
admin-nav-events = Event log
admin-event-stream-title = One stream's history
admin-col-stream = Stream
admin-col-event-type = Event
admin-col-user = User
admin-col-position = position
admin-all = all
admin-events-older = Older events
admin-events-newest = Newest
admin-events-note = Downloads hold every event the filters keep (password hashes never leave).

## Users' own bots
my-bots = My bots
bots-manage = Manage my bots
bots-intro = Make a chatbot of your own: give it instructions, pick the model it uses, add starters and, if you like, a PDF it should know. Only you can use it until you share its link.
bots-none = You have no bots yet.
bots-cap = You can have up to { $max } bots.
bot-new = New bot
bot-create = Create bot
bot-chat = Chat
bot-edit = Edit
bot-saved = Saved. Your next chats with this bot use these settings; earlier answers stay as they were.
bot-delete = Delete bot
bot-delete-confirm = Delete this bot? Its PDF is removed. Chats with it stay readable but cannot go on.
bot-copy-name = { $name } (copy)
bot-shared-badge = Anyone with the link
bot-private-badge = Private
bot-disabled-badge = Disabled
bot-disabled-notice = The administrator disabled this bot: { $reason }
bot-name = Name
bot-emoji = Emoji
bot-color = Colour
bot-description = Description
bot-description-hint = Shown on the bot's page and in the model picker.
bot-instructions = Instructions
bot-instructions-hint = What the bot should do and how it should answer (up to { $max } characters). The bot's page never shows them.
bot-base = Model
bot-starters = Conversation starters
bot-starters-hint = Up to four prompts shown on the bot's page; a click sends one.
bot-pdf = Knowledge (PDF)
bot-pdf-ready = ready
bot-pdf-reading = reading…
bot-pdf-failed = could not be read
bot-pdf-remove = Remove this PDF
bot-pdf-hint = Optional: one PDF of up to { $mb } MB that the bot answers from. A new file replaces the old one.
bot-sharing = Sharing
bot-shared-text = Anyone with an account who has the link can chat with this bot. Its page shows its name, description and starters.
bot-private-text = Only you can use this bot.
bot-share = Share with anyone who has the link
bot-unshare = Make private
bot-share-link = Link to the bot
bot-duplicate = Duplicate
bot-gone = This bot is no longer available, so this chat is read-only.
bot-base-gone = The model this bot answers with is not available right now, so this chat is read-only. Its owner can choose another one in the bot's settings.
bot-unavailable = bot no longer available
bot-deleted = bot deleted
bot-name-required = Give the bot a name.
bot-too-long = { $field ->
    [name] The name
    [description] The description
    [instructions] The instructions
    [starter] A conversation starter
   *[other] The reason
} is too long (at most { $max } characters).
bot-too-many-starters = A bot can have at most { $max } conversation starters.
bot-emoji-invalid = Choose one emoji for the avatar.
bot-color-invalid = Choose one of the colours.
bot-too-many = You already have { $max } bots. Delete one to make another.
bot-base-invalid = Choose one of the models in the list.
bot-disable-reason-required = Say why the bot is disabled (its owner sees the reason).
admin-nav-bots = Users' bots
admin-bots-intro = Every bot users made. A disabled bot cannot answer anyone; its owner sees your reason.
admin-bots-col-bot = Bot
admin-bots-col-owner = Owner
admin-bots-col-visibility = Visibility
admin-bots-col-model = Model
admin-bots-col-chats = Chats
admin-bots-col-answers = Answers
admin-bots-col-tokens = Tokens
admin-bots-none = No user has made a bot yet.
admin-bot-disable = Disable
admin-bot-enable = Enable
admin-bot-reason = Reason shown to the owner

# An answer finished while the database was unavailable (kept until it can be saved).
answer-saving = Saving… The answer is kept and will be saved as soon as the database is back.

# A PDF whose content asks for more work than one document may cost; a reading stopped.
pdf-too-much-content = This PDF holds more than can be read: its content unpacks to too much data, text or font tables. Split it into smaller files, or save it again from another program.
pdf-cancelled = Reading the PDF was stopped.

# Shared bots: what their users can get out of the model; an answer cut off for repeating the instructions; "Export my data" limited.
bot-shared-caution = Sharing is not secrecy: people who chat with a shared bot can talk the model into repeating its instructions and passages of its PDF. The bot is told not to, and an answer that repeats a long stretch of the instructions word for word is stopped, but a reworded or partial copy can still get out. Put nothing in the instructions or the PDF that its users must not read.
bot-answer-withheld = This answer was stopped because it began to repeat the bot's instructions, which stay with the bot's owner.
profile-export-limited = You can download your data { $limit } times an hour. Please try again in { $minutes } minute(s).

# Fair use of bots: a PDF needs a verified address; bots made and PDFs given per hour.
bot-pdf-verify-first = Verify your e-mail address before giving a bot a PDF: follow the link we sent you (your profile page can send it again).
bot-creations-too-many = You can make { $max } bots an hour. Please try again in { $minutes } minute(s).
bot-pdf-uploads-too-many = You can give bots { $max } PDFs an hour. Please try again in { $minutes } minute(s).

# A PDF waiting for one of the instance's reading slots (PDF_READINGS_AT_ONCE).
pdf-reading-waiting = waiting for a free reading slot ({ $ahead } ahead)

# Personal API keys (profile → API keys, /admin/api-keys).
api-keys-title = API keys
api-keys-intro = Personal keys let your editor, scripts and notebooks use this site's models through its OpenAI-compatible API. Anyone who holds a key can use it in your name: keep it secret and revoke a key you no longer need.
api-keys-profile-text = Keys for tools that speak the OpenAI API (editors, scripts, notebooks).
api-keys-manage = Manage API keys
api-key-create = Create key
api-key-name = Name
api-key-name-hint = What the key is for, e.g. "laptop" or "notebook".
api-key-name-invalid = Give the key a name of 1 to { $max } characters.
api-key-expires = Expires
api-key-expires-never = Never
api-key-expires-days = In { $days } days
api-key-expiry-invalid = Choose one of the offered expiry times.
api-keys-limit = You can have up to { $max } active keys.
api-keys-too-many = You already have { $max } active keys. Revoke one you no longer use first.
api-key-created = Your new key "{ $name }"
api-key-shown-once = Copy this key now: it will not be shown again. We keep only a fingerprint of it, so nobody (not even the administrator) can show it to you later.
api-key-secret = Your new API key
api-keys-yours = Your keys
api-keys-none = You have no API keys yet.
api-key-col-prefix = Key
api-key-col-created = Created
api-key-col-expires = Expires
api-key-col-last-used = Last used
api-key-col-prompts = Prompts
api-key-never-used = never
api-key-status-active = active
api-key-status-expired = expired
api-key-status-revoked = revoked
api-key-revoked-by-admin = revoked by the administrator
api-key-revoked-by-block = revoked (account blocked)
api-key-revoke = Revoke
api-key-revoke-confirm = Revoke the key "{ $name }"? Programs that use it will stop working at once.
api-key-revoked-notice = The key was revoked.
api-help-title = Using the API
api-help-text = Point any OpenAI-compatible client at this base URL and give it your key as the API key.
api-help-base-url = Base URL
api-help-curl = For example, with curl:
admin-nav-api-keys = API keys
admin-api-keys-intro = Every user's personal API keys, newest first. Only a fingerprint of each key is stored; revoking one stops it at once.
admin-api-keys-none = No user has made an API key yet.
api-chats-title = Conversations through the API
api-chats-none = No conversations through the API yet: each call of /v1/chat/completions is saved here, out of the sidebar.
source-gone = Source deleted: the document these citations point to is no longer available.
source-paused = The document these citations point to is not available right now.
admin-who-admin = admin
admin-who-system = system
admin-who-deleted-user = deleted user
verify-now-verified = Your e-mail address is verified: you can chat now.
verify-now-verified-going = Your e-mail address is verified. Taking you to the chat…
verify-sent-waiting = This page moves on by itself once you open the link (here or on another device).
admin-model-progress-reading = Step 1 of 3: reading the pages of the PDF
admin-model-progress-embedding = Step 2 of 3: embedding passages, { $done } of { $total } (from { $pages } pages)
admin-model-progress-indexing = Step 3 of 3: building the search index ({ $total } passages from { $pages } pages)
admin-model-left-seconds = about { $seconds } s left
admin-model-left-minutes = about { $minutes } min left
admin-model-left-estimating = estimating the time left…
admin-model-phase-reading = Reading pages
admin-model-phase-embedding = Embedding passages
admin-model-phase-indexing = Indexing
admin-model-counting = counting…
admin-chat-set-aside = set aside
admin-chat-set-aside-title = Set aside
admin-chat-prompt-counts = { $shown } in the branch shown, { $aside } in set-aside branches
admin-chat-aside-counts = prompts: { $prompts }, answers: { $answers } (each under the message that replaced it)
admin-chat-versions = Set aside at this place: { $count }
pdf-sources = Sources
admin-stat-refused = Refused prompts
