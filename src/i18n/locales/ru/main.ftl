app-name = ChatBot Factory
language = Язык
language-apply = Применить
theme-toggle = Тема
welcome-title = Добро пожаловать в ChatBot Factory
welcome-text = Ваш собственный ChatGPT: зарегистрируйтесь, выберите модель и начните общение.

# Errors
error-not-found = Такая страница не найдена.
error-unauthorized = Войдите, чтобы продолжить.
error-forbidden = У вас нет прав на это действие.
error-csrf = Форма устарела или отправлена с другого сайта. Обновите страницу и попробуйте снова.
error-bad-request = Запрос не удалось понять.
error-bad-form = Не удалось прочитать форму. Обновите страницу и попробуйте снова.
error-bad-json = Тело запроса не является JSON ожидаемого вида.
error-too-large = Запрос слишком большой.
error-upload-too-large = Файл слишком большой: можно загрузить не более { $mb } МБ.
error-rate-limited = Слишком много попыток. Подождите { $minutes } мин. и попробуйте снова.
error-internal = У нас что-то пошло не так. Попробуйте ещё раз через минуту.
error-retry-later = Можно попробовать позже.
error-back-home = На главную
error-busy-retry = Кто-то изменил это в тот же момент. Пожалуйста, попробуйте ещё раз.
error-server-busy = Сервис занят или ненадолго недоступен. Попробуйте ещё раз через несколько секунд.
error-admin-only = Этот раздел только для администратора.

# Forms and fields
field-username = Имя пользователя
field-email = Эл. почта
field-login = Имя пользователя или эл. почта
field-password = Пароль
field-password-confirm = Повторите пароль
field-new-password = Новый пароль
field-current-password = Текущий пароль
username-hint = 3–32 буквы, цифры, точки, дефисы или подчёркивания.
password-hint = Не менее 8 символов. Лучше всего длинная фраза.
save = Сохранить
loading = Загрузка…

# Validation
username-length = Имя пользователя — от 3 до 32 символов.
username-characters = Используйте буквы, цифры, «.», «-» или «_»; имя начинается с буквы или цифры.
username-reserved = Это имя зарезервировано. Выберите другое.
username-taken = Это имя пользователя уже занято.
email-invalid = Введите правильный адрес эл. почты.
email-taken = Аккаунт с этой эл. почтой уже существует.
password-too-short = Пароль должен содержать не менее 8 символов.
password-too-long = Пароль может содержать не более 128 символов.
password-too-common = Этот пароль слишком распространён или легко угадывается. Попробуйте фразу подлиннее.
password-mismatch = Пароли не совпадают.
password-current-wrong = Текущий пароль неверен.
prompt-empty = Сначала напишите сообщение.
prompt-too-long = Сообщение слишком длинное (не более { $max } символов).
prompt-char-count = { $count } / { $max }
rating-invalid = Оценка — «up», «down» или ничего.
title-empty = Название не может быть пустым.
title-too-long = Название может содержать не более 200 символов.

# Registration and login
register-title = Создайте аккаунт
register-lead = Зарегистрируйтесь, чтобы начать общение.
register-submit = Зарегистрироваться
register-have-account = Уже есть аккаунт?
register-link = Зарегистрироваться
login-title = С возвращением
login-submit = Войти
login-link = Войти
login-no-account = Ещё нет аккаунта?
forgot-link = Забыли пароль?
login-invalid = Неверное имя пользователя, эл. почта или пароль.
login-blocked = Этот аккаунт заблокирован администратором.
login-blocked-reason = Этот аккаунт заблокирован администратором: { $reason }
logout = Выйти

# E-mail verification
verify-title = Подтверждение эл. почты
verify-done-title = Эл. почта подтверждена
verify-done-text = Спасибо! Теперь вы можете отправлять сообщения.
verify-failed-title = Эта ссылка не работает
verify-failed-text = Новую ссылку можно запросить в профиле или на странице чата.
verify-sent-title = Проверьте почту
verify-sent-text = Мы отправили новую ссылку для подтверждения на { $email }.
verify-needed = Подтвердите эл. почту ({ $email }), чтобы начать общение: откройте ссылку из нашего письма.
verify-resend = Отправить письмо ещё раз
verify-resend-wait = Подождите { $seconds } с., прежде чем запросить ещё одно письмо.
start-chatting = Начать общение
verify-done-login = Войдите, чтобы начать общение
back-to-chat = Вернуться в чат
token-invalid = Эта ссылка недействительна.
token-used = Эта ссылка уже использована.
token-expired = Срок действия ссылки истёк. Запросите новую.
email-verify-subject = Подтвердите эл. почту для ChatBot Factory
email-verify-body =
    Здравствуйте, { $name }!

    Подтвердите адрес эл. почты, открыв эту ссылку:
    { $link }

    Ссылка действует один раз и { $hours } ч. Если вы не регистрировались, просто проигнорируйте это письмо.

# Password reset
forgot-title = Сброс пароля
forgot-lead = Введите эл. почту, и мы пришлём ссылку для выбора нового пароля.
forgot-submit = Отправить ссылку
forgot-sent-title = Проверьте почту
forgot-sent-text = Если этот адрес привязан к аккаунту, мы отправили на него ссылку для сброса пароля. Ссылка действует один час.
reset-title = Выберите новый пароль
reset-submit = Сохранить новый пароль
reset-ask-again = Запросить новую ссылку
email-reset-subject = Сброс пароля ChatBot Factory
email-reset-body =
    Здравствуйте, { $name }!

    Кто-то (надеемся, вы) запросил сброс пароля. Выберите новый здесь:
    { $link }

    Ссылка действует один раз и { $minutes } мин. Если вы этого не запрашивали, проигнорируйте письмо: пароль останется прежним.

# App shell
sidebar-label = Чаты
sidebar-open = Открыть боковую панель
sidebar-close = Закрыть боковую панель
scroll-to-bottom = К последнему сообщению
new-chat = Новый чат
search-chats = Поиск по чатам
chat-history = История чатов
group-today = Сегодня
group-yesterday = Вчера
group-week = Последние 7 дней
group-older = Ранее
no-chats = Чатов пока нет.
no-search-results = Ничего не найдено.
chat-rename = Переименовать
chat-delete = Удалить
chat-options = Действия с чатом
chat-delete-confirm = Удалить чат «{ $title }»? Это нельзя отменить.
chat-rename-prompt = Новое название чата:
profile = Профиль
empty-chat-title = Чем я могу помочь?

# Profile
profile-title = Ваш профиль
profile-edit = Изменить профиль
profile-saved = Профиль сохранён.
password-changed = Пароль изменён. На других устройствах выполнен выход.
email-verified = подтверждена
email-unverified = не подтверждена
email-change-hint = Новый адрес нужно будет подтвердить заново.
joined = Дата регистрации
previous-chats = Предыдущие чаты
password-change = Сменить пароль
password-change-note = После смены пароля выполняется выход на всех других устройствах.
account-delete = Удалить аккаунт
account-delete-text = Будут удалены ваш аккаунт и все чаты. Имя пользователя и эл. почта освободятся.
account-delete-confirm = Действительно удалить аккаунт и все чаты?
your-data = Ваши данные
your-data-text = Скачайте все чаты в Markdown и JSON или удалите все чаты, сохранив аккаунт.
export-my-data = Экспортировать мои данные
delete-all-chats = Удалить все чаты
delete-all-chats-confirm = Удалить все ваши чаты? Это нельзя отменить.
chats-deleted-notice = Все ваши чаты удалены.

# Admin
admin-title = Администратор
admin-login-title = Вход администратора
admin-login-lead = Для администратора этого ChatBot Factory.
admin-welcome = Здравствуйте, { $name }
admin-logged-in-as = Вы вошли как администратор { $name } ({ $email }).
admin-nav-dashboard = Панель
admin-nav-pdf-models = PDF-модели
coming-soon = скоро

# Chat
composer-placeholder = Сообщение для ChatBot Factory
send = Отправить
stop = Остановить
composer-note = Ответы могут быть ошибочными. Проверяйте важную информацию.
load-earlier = Показать более ранние сообщения
copy = Копировать
copied = Скопировано
regenerate = Сгенерировать заново
rate-good = Хороший ответ
rate-bad = Плохой ответ
version-previous = Предыдущий ответ
version-next = Следующий ответ
edit-prompt = Изменить сообщение
edit-send = Отправить
prompt-version-previous = Предыдущая версия
prompt-version-next = Следующая версия
retry = Повторить
answer-failed = Ошибка ответа:
answer-stopped = Вы остановили этот ответ.
choose-model = Выберите модель
tokens-meta = { $prompt } + { $completion } токенов
waiting-local-model = Ожидание локальной модели (место в очереди: { $position })…
connection-lost = Соединение потеряно. Обновите страницу, чтобы увидеть сохранённый ответ.
model-loading = подготовка: { $detail }
model-unavailable = недоступна: { $reason }
chat-limit-notice = Лимит запросов в этом чате исчерпан ({ $limit }). Начните новый чат, чтобы продолжить.
chat-limit-remaining = В этом чате осталось запросов: { $remaining }.
chat-limit-reached = Лимит запросов в этом чате исчерпан ({ $limit }). Начните новый чат, чтобы продолжить.
chat-busy = В этом чате ещё пишется ответ.
chat-nothing-to-regenerate = Нет ответа, который можно сгенерировать заново.
chat-verify-first = Подтвердите эл. почту, прежде чем отправлять сообщения.

# Model errors
llm-invalid-key = сервер модели отклонил API-ключ. Администратору нужно проверить OPENAI_API_KEY.
llm-quota = у аккаунта модели закончилась квота. Сообщите администратору.
llm-rate-limited = модель сейчас занята. Попробуйте ещё раз чуть позже.
llm-context-too-long = этот разговор слишком длинный для модели. Начните новый чат.
llm-unknown-model = модель «{ $model }» неизвестна серверу.
llm-timeout = модель не ответила вовремя.
llm-connection = не удалось связаться с сервером модели.
llm-upstream = на сервере модели произошла ошибка (статус { $status }).
llm-unavailable = модель недоступна ({ $reason }).
llm-interrupted = ответ оборвался, не завершившись.
llm-interrupted-restart = сервер перезапустился, пока писался этот ответ.

# Admin panel
admin-nav-users = Пользователи
admin-nav-chats = Чаты
admin-nav-settings = Лимиты и модели
admin-nav-audit = Журнал действий
admin-user-title = Пользователь
admin-chat-title = Чат
admin-range = Период
admin-range-days = Последние { $days } дн.
admin-range-custom = Свой период
admin-from = С
admin-to = По
admin-show = Показать
admin-figures = Показатели
admin-today = сегодня
admin-in-range = { $count } за период
admin-stat-users = Пользователи
admin-stat-active = Активны сегодня
admin-stat-chats = Чаты
admin-stat-prompts = Запросы
admin-stat-api-prompts = Запросы через API
admin-stat-answers = Ответы
admin-stat-failed = Ответы с ошибкой
admin-stat-stopped = Остановленные ответы
admin-stat-prompt-tokens = Токены запросов
admin-stat-completion-tokens = Токены ответов
admin-stat-likes = 👍 Хорошо
admin-stat-dislikes = 👎 Плохо
admin-stat-blocked = Заблокированные пользователи
admin-charts = По дням, { $from } – { $to }
chart-prompts = Запросы, ответы и отказы
chart-users = Активные и новые пользователи
chart-tokens = Токены
chart-models = Запросы по моделям
admin-by-model = По моделям за период
admin-col-model = Модель
admin-col-title = Название
admin-col-status = Статус
admin-col-tokens = Токены
admin-col-updated = Последняя активность
admin-col-last-active = Последняя активность
admin-col-verified = Подтверждён
admin-col-kind = Тип
admin-col-when = Когда
admin-col-who = Кто
admin-col-action = Действие
admin-col-target = Объект
admin-col-details = Подробности
admin-nothing-yet = Пока ничего нет.
admin-search-users = Поиск по имени пользователя или эл. почте
admin-search-content = Поиск в названиях и сообщениях
admin-filter-user = Пользователь (имя или id)
admin-select = Выбрать
admin-export-selected = Экспортировать чаты выбранных пользователей (zip)
admin-export-none = Выберите хотя бы одного пользователя для экспорта.
admin-pages = Страницы
admin-page-of = Страница { $page } из { $pages } (всего { $total })
admin-active = активен
admin-blocked = заблокирован
admin-block = Заблокировать
admin-unblock = Разблокировать
admin-block-reason = Причина для пользователя (необязательно)
admin-block-confirm = Заблокировать пользователя? Его сеансы завершатся сразу.
admin-daily-quota = Запросов в день (0 = как для всех)
admin-quota-default = Действует общий лимит: { $default ->
    [0] без дневного ограничения
   *[other] { $default } запросов в день
}.
admin-quota-own = Задан собственный лимит.
admin-quota-today = Сегодня: { $used } из { $limit }.
admin-rate-limit = { $per_minute ->
    [0] Без ограничения запросов в минуту.
   *[other] Не более { $per_minute } запросов в минуту на пользователя.
}
admin-usage-limits-note = Дневной лимит считает все чаты пользователя; задайте DAILY_PROMPT_QUOTA и RATE_LIMIT_PROMPTS_PER_MINUTE в .env или личный лимит на странице пользователя.
admin-done = Сохранено.
admin-print = Печать
pdf-user = Пользователь
pdf-assistant = Ассистент
pdf-details = Пользователь: { $user } · Модель: { $model } · Начат: { $started } · Последняя активность: { $updated } ({ $zone })
admin-usage-30 = Запросы за последние 30 дней
admin-started = Начат
admin-chat-limit = Лимит запросов для этого чата
admin-default = по умолчанию
admin-chat-active = активен
admin-chat-at-limit = на пределе
admin-role-user = Пользователь
admin-role-assistant = Ассистент
admin-limits = Лимиты
admin-default-limit = Запросов на чат (общий лимит по умолчанию)
admin-limits-note = Собственный лимит чата (на его странице) важнее этого значения.
admin-models = Модели в списке выбора
admin-enabled = включена
admin-disabled = выключена
admin-enable = Включить
admin-disable = Выключить
admin-make-default = Сделать основной
admin-model-default-disable = Основную модель нельзя выключить; сначала выберите другую основную.
admin-model-enable-first = Сначала включите модель, потом делайте её основной.
admin-number-invalid = Введите целое число.
chat-daily-quota = Вы достигли дневного лимита в { $limit } сообщений. Он обновится в полночь по UTC, через { $hours } ч { $minutes } мин.
chat-too-fast = Вы отправляете сообщения слишком часто. Подождите { $seconds } с.

# PDF models: why an uploaded PDF cannot be used
pdf-unreadable = Не удалось прочитать загруженный файл. Загрузите его ещё раз.
pdf-too-large = Файл слишком большой ({ $size } МБ); допустимо не больше { $max } МБ.
pdf-not-pdf = Этот файл не является PDF.
pdf-malformed = PDF повреждён или загружен не полностью, прочитать его нельзя. Попробуйте заново экспортировать или сохранить его.
pdf-encrypted = PDF защищён паролем. Снимите пароль и загрузите файл ещё раз.
pdf-no-pages = В PDF нет ни одной страницы.
pdf-too-many-pages = Страниц в PDF: { $pages }; допускается не больше { $max }.
pdf-no-text = В PDF нет текстового слоя: похоже, это скан. Распознавание текста (OCR) не поддерживается; загрузите PDF, текст в котором можно выделить.
pdf-garbled = Текст этого PDF не удаётся расшифровать (в его шрифтах нет таблицы символов). Экспортируйте PDF заново или из другой программы.
pdf-timeout = Чтение PDF заняло слишком много времени (больше { $seconds } с). Попробуйте файл поменьше.

## PDF models (admin)
admin-models-intro = Превратите один PDF в модель, которую пользователи могут выбрать: её ответы берутся из документа и ссылаются на его страницы.
admin-models-none = PDF-моделей пока нет.
admin-model-new = Новая модель
admin-model-create = Создать модель
admin-model-name = Название
admin-model-description = Описание
admin-model-description-hint = Показывается под названием в списке моделей.
admin-model-instructions = Инструкции (необязательно)
admin-model-instructions-hint = Дополнительные правила для модели, добавляются в её системный промпт (тон, язык, от чего отказываться).
admin-model-base = Базовая модель
admin-model-pdf = PDF-файл
admin-model-pdf-hint = Один PDF с текстовым слоем, до { $mb } МБ и { $pages } страниц.
admin-model-pages = Страницы
admin-model-chunks = Фрагменты
admin-model-pdf-size = Размер PDF
admin-model-created = Создана
admin-model-launched = Запущена
admin-model-is-launched = запущена
admin-model-status-ingesting = чтение PDF
admin-model-status-ready = готова
admin-model-status-failed = ошибка
admin-model-status-deleted = удалена
admin-model-launch = Запустить
admin-model-unlaunch = Остановить
admin-model-reingest = Прочитать PDF заново
admin-model-edit = Изменить
admin-model-delete = Удалить
admin-model-delete-title = Удалить «{ $name }»?
admin-model-delete-explain = Модель исчезнет из списка, её векторы и PDF будут удалены. Чаты с ней останутся доступны для чтения, но продолжить их будет нельзя. Это нельзя отменить.
admin-model-delete-confirm = Удалить модель
admin-model-name-required = Укажите название модели.
admin-model-too-long = Поле «{ $field }» слишком длинное (не больше { $max } символов).
admin-model-launch-not-ready = Запустить можно только модель, чей PDF уже прочитан.
admin-model-base-invalid = Выберите базовую модель из списка.
admin-model-pdf-required = Выберите PDF-файл.
cancel = Отмена
dialog-ok = ОК
pdf-unreadable-short = Не удалось прочитать PDF-файл. Загрузите его ещё раз.
pdf-too-large-short = PDF больше допустимого размера.
pdf-too-many-pages-short = В PDF больше страниц, чем разрешено.
pdf-timeout-short = Чтение PDF заняло слишком много времени. Попробуйте файл поменьше.
pdf-embedder = Модель эмбеддингов не запустилась. Проверьте журнал сервера и прочитайте PDF заново.
pdf-internal = При чтении PDF что-то пошло не так. Проверьте журнал сервера и прочитайте PDF заново.
model-not-offered = недоступна
admin-model-read-elsewhere = Этот PDF сейчас читает другой сервер сайта; попробуйте, когда он закончит.
admin-model-status-elsewhere = читает другой сервер сайта
account-deleted-notice = Ваш аккаунт и все ваши чаты удалены.
theme-system = Как в системе
theme-dark = Тёмная
theme-light = Светлая
model-not-set-up = ещё не подключена на этом сайте
model-not-launched = сейчас недоступна
model-gone-notice = «{ $name }» сейчас недоступна. Выберите другую модель вверху, чтобы продолжить этот чат, или начните новый.
llm-not-set-up = эта модель сейчас недоступна на этом сайте. Выберите другую модель вверху и отправьте сообщение ещё раз.
model-preparing = готовится, скоро сможет отвечать
admin-default-fallback = Модель по умолчанию «{ $chosen }» не может отвечать на этом сервере ({ $reason }), поэтому новые чаты начинаются с «{ $instead }». Подключите её или выберите другую модель по умолчанию ниже.
admin-default-none = Модель по умолчанию «{ $chosen }» не может отвечать на этом сервере ({ $reason }), и другие модели тоже. Подключите её или включите другую модель ниже.
bot-base-unavailable = модель, на которой работает этот бот, сейчас недоступна; владелец может выбрать другую в настройках бота
bot-not-shared = Этот бот больше не доступен по ссылке.
bot-not-shared-text = Возможно, владелец сделал его личным, или в ссылке ошибка. Вы можете общаться с моделями сайта.
admin-of-users = из { $count } пользователей
admin-stat-open-chats = Открытые чаты
admin-open-chats-note = отвечают или читались в последние минуты, на этом сервере

# Settings
settings-title = Настройки
settings-general = Общие
settings-saved = Настройки сохранены.
custom-instructions = Пользовательские инструкции
custom-instructions-text = Что ассистенту знать о вас и как отвечать? Новые чаты следуют этим инструкциям.
custom-about = Что ассистенту знать о вас?
custom-about-placeholder = Например: я учитель в Ташкенте, люблю примеры из жизни.
custom-style = Как ему отвечать?
custom-style-placeholder = Например: коротко, по-русски, с выводом в конце.
custom-instructions-note = Уже начатые чаты сохраняют инструкции, с которыми они начались.
custom-instructions-too-long = Не более { $max } символов.
archived-chats = Архивные чаты
no-archived-chats = Архивных чатов нет. Отправьте чат в архив из его меню на боковой панели.
unarchive = Вернуть из архива
chat-archive = В архив
chat-archived-notice = Этот чат в архиве.

# Event browser
admin-nav-events = Журнал событий
admin-event-stream-title = История потока
admin-col-stream = Поток
admin-col-event-type = Событие
admin-col-user = Пользователь
admin-col-position = позиция
admin-all = все
admin-events-older = Более ранние
admin-events-newest = Новейшие
admin-events-note = Выгрузка содержит все события по фильтрам (хэши паролей не выгружаются).

## Users' own bots
my-bots = Мои боты
bots-manage = Управлять ботами
bots-intro = Создайте собственного чат-бота: дайте ему инструкции, выберите модель, добавьте подсказки для начала разговора и, если хотите, PDF, который он должен знать. Пока вы не поделитесь ссылкой, пользоваться им можете только вы.
bots-none = У вас пока нет ботов.
bots-cap = Можно создать до { $max } ботов.
bot-new = Новый бот
bot-create = Создать бота
bot-chat = Чат
bot-edit = Изменить
bot-saved = Сохранено. Следующие чаты с этим ботом используют эти настройки; прежние ответы не меняются.
bot-delete = Удалить бота
bot-delete-confirm = Удалить этого бота? Его PDF будет удалён. Чаты с ним останутся доступны для чтения, но продолжить их будет нельзя.
bot-copy-name = { $name } (копия)
bot-shared-badge = Всем, у кого есть ссылка
bot-private-badge = Личный
bot-disabled-badge = Отключён
bot-disabled-notice = Администратор отключил этого бота: { $reason }
bot-name = Название
bot-emoji = Эмодзи
bot-color = Цвет
bot-description = Описание
bot-description-hint = Показывается на странице бота и в списке моделей.
bot-instructions = Инструкции
bot-instructions-hint = Что бот должен делать и как отвечать (до { $max } символов). На странице бота они не показываются.
bot-base = Модель
bot-starters = Подсказки для начала
bot-starters-hint = До четырёх запросов на странице бота; по щелчку запрос отправляется.
bot-pdf = Знания (PDF)
bot-pdf-ready = готов
bot-pdf-reading = читается…
bot-pdf-failed = не удалось прочитать
bot-pdf-remove = Убрать этот PDF
bot-pdf-hint = Необязательно: один PDF до { $mb } МБ, по которому бот отвечает. Новый файл заменяет старый.
bot-sharing = Доступ
bot-shared-text = Любой зарегистрированный пользователь со ссылкой может общаться с этим ботом. На странице бота видны его название, описание и подсказки.
bot-private-text = Пользоваться этим ботом можете только вы.
bot-share = Открыть доступ по ссылке
bot-unshare = Сделать личным
bot-share-link = Ссылка на бота
bot-duplicate = Дублировать
bot-gone = Этот бот больше недоступен, поэтому чат доступен только для чтения.
bot-base-gone = Модель, на которой работает этот бот, сейчас недоступна, поэтому чат доступен только для чтения. Владелец может выбрать другую в настройках бота.
bot-unavailable = бот больше недоступен
bot-deleted = бот удалён
bot-name-required = Дайте боту название.
bot-too-long = { $field ->
    [name] Название
    [description] Описание
    [instructions] Инструкции
    [starter] Подсказка
   *[other] Причина
} слишком длинное (не более { $max } символов).
bot-too-many-starters = У бота может быть не более { $max } подсказок.
bot-emoji-invalid = Выберите один эмодзи для аватара.
bot-color-invalid = Выберите один из цветов.
bot-too-many = У вас уже { $max } ботов. Удалите одного, чтобы создать нового.
bot-base-invalid = Выберите модель из списка.
bot-disable-reason-required = Укажите, почему бот отключён (владелец увидит причину).
admin-nav-bots = Боты пользователей
admin-bots-intro = Все боты, созданные пользователями. Отключённый бот никому не отвечает; владелец видит указанную вами причину.
admin-bots-col-bot = Бот
admin-bots-col-owner = Владелец
admin-bots-col-visibility = Доступ
admin-bots-col-model = Модель
admin-bots-col-chats = Чаты
admin-bots-col-answers = Ответы
admin-bots-col-tokens = Токены
admin-bots-none = Пользователи ещё не создали ни одного бота.
admin-bot-disable = Отключить
admin-bot-enable = Включить
admin-bot-reason = Причина для владельца

# An answer finished while the database was unavailable (kept until it can be saved).
answer-saving = Сохраняется… Ответ не потерян и будет сохранён, как только база данных снова станет доступна.

# A PDF whose content asks for more work than one document may cost; a reading stopped.
pdf-too-much-content = Этот PDF невозможно прочитать: его содержимое распаковывается в слишком большой объём данных, текста или таблиц шрифтов. Разделите файл на части или сохраните его заново из другой программы.
pdf-cancelled = Чтение PDF остановлено.

# Shared bots: what their users can get out of the model; an answer cut off for repeating the instructions; "Export my data" limited.
bot-shared-caution = Доступ по ссылке не делает инструкции тайными: собеседники открытого бота могут уговорить модель повторить его инструкции и отрывки из PDF. Боту велено этого не делать, а ответ, дословно повторяющий длинный кусок инструкций, останавливается, но пересказ или часть текста всё равно могут утечь. Не пишите в инструкции и PDF ничего, что его пользователям читать нельзя.
bot-answer-withheld = Ответ остановлен: он начал повторять инструкции бота, а они принадлежат только его владельцу.
profile-export-limited = Скачивать свои данные можно { $limit } раза в час. Попробуйте снова через { $minutes } мин.

# Fair use of bots: a PDF needs a verified address; bots made and PDFs given per hour.
bot-pdf-verify-first = Подтвердите адрес эл. почты, прежде чем давать боту PDF: откройте ссылку из письма (на странице профиля его можно отправить снова).
bot-creations-too-many = Создавать можно не больше { $max } ботов в час. Попробуйте снова через { $minutes } мин.
bot-pdf-uploads-too-many = Давать ботам можно не больше { $max } PDF в час. Попробуйте снова через { $minutes } мин.

# A PDF waiting for one of the instance's reading slots (PDF_READINGS_AT_ONCE).
pdf-reading-waiting = ждёт свободного места для чтения (впереди: { $ahead })

# Personal API keys (profile → API keys, /admin/api-keys).
api-keys-title = API-ключи
api-keys-intro = Личные ключи позволяют вашему редактору, скриптам и блокнотам пользоваться моделями сайта через API, совместимый с OpenAI. Любой, у кого есть ключ, может пользоваться им от вашего имени: храните его в секрете и отзывайте ненужные ключи.
api-keys-profile-text = Ключи для программ, работающих с API OpenAI (редакторы, скрипты, блокноты).
api-keys-manage = Управлять API-ключами
api-key-create = Создать ключ
api-key-name = Название
api-key-name-hint = Для чего ключ, например «ноутбук» или «блокнот».
api-key-name-invalid = Дайте ключу название длиной от 1 до { $max } символов.
api-key-expires = Срок действия
api-key-expires-never = Бессрочно
api-key-expires-days = Через { $days } дней
api-key-expiry-invalid = Выберите один из предложенных сроков.
api-keys-limit = Одновременно может быть не больше { $max } действующих ключей.
api-keys-too-many = У вас уже { $max } действующих ключей. Сначала отзовите тот, которым больше не пользуетесь.
api-key-created = Ваш новый ключ «{ $name }»
api-key-shown-once = Скопируйте ключ сейчас: больше он показан не будет. Мы храним только его отпечаток, поэтому позже его не сможет показать никто, даже администратор.
api-key-secret = Ваш новый API-ключ
api-keys-yours = Ваши ключи
api-keys-none = У вас пока нет API-ключей.
api-key-col-prefix = Ключ
api-key-col-created = Создан
api-key-col-expires = Действует до
api-key-col-last-used = Последнее использование
api-key-col-prompts = Запросы
api-key-never-used = не использовался
api-key-status-active = действует
api-key-status-expired = истёк
api-key-status-revoked = отозван
api-key-revoked-by-admin = отозван администратором
api-key-revoked-by-block = отозван (аккаунт заблокирован)
api-key-revoke = Отозвать
api-key-revoke-confirm = Отозвать ключ «{ $name }»? Программы, которые им пользуются, сразу перестанут работать.
api-key-revoked-notice = Ключ отозван.
api-help-title = Как пользоваться API
api-help-text = Укажите этот базовый URL в любом клиенте, совместимом с OpenAI, а в качестве API-ключа — ваш ключ.
api-help-base-url = Базовый URL
api-help-curl = Например, с curl:
admin-nav-api-keys = API-ключи
admin-api-keys-intro = Личные API-ключи всех пользователей, сначала новые. Хранится только отпечаток каждого ключа; отозванный ключ перестаёт работать сразу.
admin-api-keys-none = Пока никто из пользователей не создал API-ключ.
api-chats-title = Разговоры через API
api-chats-none = Разговоров через API пока нет: каждый вызов /v1/chat/completions сохраняется здесь, вне боковой панели.
source-gone = Источник удалён: документ, на который ссылаются эти цитаты, больше недоступен.
source-paused = Документ, на который ссылаются эти цитаты, сейчас недоступен.
admin-who-admin = администратор
admin-who-system = система
admin-who-deleted-user = удалённый пользователь
verify-now-verified = Эл. почта подтверждена: теперь можно общаться.
verify-now-verified-going = Эл. почта подтверждена. Переходим к чату…
verify-sent-waiting = Эта страница продолжит сама, как только вы откроете ссылку (здесь или на другом устройстве).
admin-model-progress-reading = Шаг 1 из 3: читаем страницы PDF
admin-model-progress-embedding = Шаг 2 из 3: векторизуем фрагменты, { $done } из { $total } (из { $pages } стр.)
admin-model-progress-indexing = Шаг 3 из 3: строим поисковый индекс ({ $total } фрагм. из { $pages } стр.)
admin-model-left-seconds = осталось около { $seconds } с
admin-model-left-minutes = осталось около { $minutes } мин
admin-model-left-estimating = оцениваем оставшееся время…
admin-model-phase-reading = Чтение страниц
admin-model-phase-embedding = Векторизация фрагментов
admin-model-phase-indexing = Индексация
admin-model-counting = считаем…
admin-chat-set-aside = отложено
admin-chat-set-aside-title = Отложено
admin-chat-prompt-counts = { $shown } в показанной ветке, { $aside } в отложенных ветках
admin-chat-aside-counts = запросы: { $prompts }, ответы: { $answers } (каждый под сообщением, которое его заменило)
admin-chat-versions = Отложено на этом месте: { $count }
pdf-sources = Источники
admin-stat-refused = Отклонённые запросы
