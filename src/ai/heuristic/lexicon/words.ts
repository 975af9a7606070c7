/** Word lists of the name and company extraction (English, Italian, Indonesian). */

/** Words that look like a name when capitalised but are not (after "I'm", "sono", "saya", …). */
export const NOT_NAMES = new Set(
  `a an the i im not here there from in on at of for to and or but so just also still now currently really very
  interested looking planning writing calling trying sure glad happy sorry fine good ok okay ready new back based living
  working moving married retired single travelling traveling staying going coming hoping thinking wondering
  hello hi hey dear thanks thank thx cheers regards best kind sincerely good morning afternoon evening team sir madam
  please yes no what how when where why who which can could would will shall may might
  ciao salve buongiorno buonasera gentili grazie saluti cordiali distinti cari caro cara egregi sì si certo ok
  io il lo la le gli un una uno in di da per con su tra fra non anche ancora già molto proprio qui
  interessato interessata italiano pensionato pensionata sposato sposata residente titolare
  halo hai selamat pagi siang sore malam permisi terima kasih makasih salam hormat pak bu bapak ibu kak mas mbak min admin
  mau ingin akan sedang sudah belum tidak bukan juga masih baru sangat ada yang dan atau dari di ke untuk
  warga orang tinggal kerja bekerja pindah datang berasal asli lulusan pensiunan
  away far originally arrived arrivato arrivata tornato tornata partito partita rientrato lontano via
  director manager owner ceo founder hr
  kitas kitap npwp bpjs pt pma cv visa bali jakarta indonesia lombok ubud canggu sanur
  monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
  september october november december meridian whatsapp email`
    .split(/\s+/)
    .filter(Boolean),
);

/** Capitalised words that may follow a name but are not part of it ("John Smith Director"). */
export const NOT_SURNAMES = new Set(
  `here there director manager owner ceo founder hr team thanks regards cheers grazie saluti salam terima kasih
  kitas kitap npwp bpjs pt pma cv visa bali jakarta lombok ubud canggu sanur whatsapp email
  monday tuesday wednesday thursday friday saturday sunday january february march april june july august
  september october november december`.split(/\s+/),
);

/** Words that cannot start a company name ("the", "our", "sono", …). */
export const COMPANY_NOT_START = new Set(
  'the our my a an sure yes hi hello dear la il lo una un siamo sono della di del presso per and e di perusahaan kami saya thanks regards grazie and at of director ceo owner manager titolare'.split(
    ' ',
  ),
);
/** Words after "PT" that make it a kind of company, not a company name. */
export const PT_GENERIC = new Set(['pma', 'pmdn', 'perorangan', 'lokal', 'local', 'baru', 'new', 'tbk']);
