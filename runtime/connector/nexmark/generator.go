package nexmark

import (
	"math"
	"math/bits"
	"slices"
	"strconv"

	"github.com/sqlstream/sqlstream/runtime/connector"
)

// The generator follows Apache Beam's Nexmark generator (GeneratorConfig, NexmarkUtils and
// generator/model/{Person,Auction,Bid}Generator) with its default configuration: one
// generator, proportions 1:3:46, 1000 active people, 100 auctions in flight, hot ratios
// 2 (auctions), 4 (sellers, bidders), average sizes 200, 500 and 100 bytes. Event n draws
// its values from a java.util.Random seeded with n (plus the seed), as Beam's does, so
// event n is a pure function of the seed and n. See docs/DESIGN.md "Nexmark" for where it
// deviates.
const (
	personProportion  = 1
	auctionProportion = 3
	bidProportion     = 46
	totalProportion   = personProportion + auctionProportion + bidProportion

	firstPersonID   = 1000
	firstAuctionID  = 1000
	firstCategoryID = 10
	numCategories   = 5

	numActivePeople     = 1000
	numInFlightAuctions = 100
	hotAuctionRatio     = 2
	hotSellersRatio     = 4
	hotBiddersRatio     = 4
	hotSellerRatio      = 100 // a hot seller is every 100th person
	hotAuctionIDRatio   = 100
	hotBidderIDRatio    = 100
	hotChannelsRatio    = 2
	channelsNumber      = 10_000

	avgPersonByteSize  = 200
	avgAuctionByteSize = 500
	avgBidByteSize     = 100

	// defaultRate spaces the timestamps of a source that runs as fast as it can: Beam's
	// default firstEventRate.
	defaultRate = 10_000
)

var (
	usStates    = []string{"AZ", "CA", "ID", "OR", "WA", "WY"}
	usCities    = []string{"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"}
	firstNames  = []string{"Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"}
	lastNames   = []string{"Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"}
	hotChannels = []string{"Google", "Facebook", "Baidu", "Apple"}
	hotURLs     = func() []string {
		u := make([]string, len(hotChannels))
		for i := range u {
			r := newRandom(int64(-1 - i))
			u[i] = baseURL(&r)
		}
		return u
	}()
)

// jrandom is java.util.Random: Beam seeds one per event, so its draws are the reference's.
type jrandom struct{ s uint64 }

const jmask = 1<<48 - 1

func newRandom(seed int64) jrandom { return jrandom{(uint64(seed) ^ 0x5DEECE66D) & jmask} }

func (r *jrandom) next(nbits uint) int32 {
	r.s = (r.s*0x5DEECE66D + 0xB) & jmask
	return int32(r.s >> (48 - nbits))
}

// intn is Random.nextInt(bound), bound > 0.
func (r *jrandom) intn(bound int32) int32 {
	v := r.next(31)
	m := bound - 1
	if bound&m == 0 {
		return int32((int64(bound) * int64(v)) >> 31)
	}
	for u := v; ; u = r.next(31) {
		v = u % bound
		if u-v+m >= 0 { // Java's int overflow: Go's int32 wraps the same way
			return v
		}
	}
}

func (r *jrandom) int64() int64 { return int64(r.next(32))<<32 + int64(r.next(32)) }

func (r *jrandom) float64() float64 {
	return float64(int64(r.next(26))<<27+int64(r.next(27))) * (1.0 / (1 << 53))
}

// longn is NexmarkUtils' nextLong(random, n).
func (r *jrandom) longn(n int64) int64 {
	if n < math.MaxInt32 {
		return int64(r.intn(int32(n)))
	}
	v := r.int64() % n
	if v < 0 {
		v = -v
	}
	return v
}

// nextString is StringsGenerator.nextString: 3 to maxLength-1 letters, about one in 13
// replaced by special, trimmed.
func nextString(b []byte, r *jrandom, maxLength int32, special byte) []byte {
	n := 3 + r.intn(maxLength-3)
	start := len(b)
	for ; n > 0; n-- {
		if r.intn(13) == 0 {
			b = append(b, special)
		} else {
			b = append(b, byte('a'+r.intn(26)))
		}
	}
	if special != ' ' {
		return b
	}
	s := b[start:]
	i, j := 0, len(s)
	for i < j && s[i] == ' ' {
		i++
	}
	for j > i && s[j-1] == ' ' {
		j--
	}
	return append(b[:start], s[i:j]...)
}

// nextExactString is StringsGenerator.nextExactString: length letters, six per draw of
// nextInt(Integer.MAX_VALUE) (the draw's base-26 digits, lowest first), written three at a
// time.
func nextExactString(b []byte, r *jrandom, length int) []byte {
	b = slices.Grow(b, length)
	s := b[len(b) : len(b)+length]
	for i := 0; i < len(s); {
		rnd := r.next(31)
		for rnd == math.MaxInt32 { // nextInt's rejection: the one value above the bound's last full range
			rnd = r.next(31)
		}
		if len(s)-i >= 6 {
			lo, hi := &letterTriples[rnd%(26*26*26)], &letterTriples[rnd/(26*26*26)%(26*26*26)]
			s[i], s[i+1], s[i+2], s[i+3], s[i+4], s[i+5] = lo[0], lo[1], lo[2], hi[0], hi[1], hi[2]
			i += 6
			continue
		}
		for ; i < len(s); i++ {
			s[i] = byte('a' + rnd%26)
			rnd /= 26
		}
	}
	return b[:len(b)+length]
}

// letterTriples are the three letters of each three-digit base-26 number, lowest digit
// first.
var letterTriples = func() (t [26 * 26 * 26][3]byte) {
	for i := range t {
		t[i] = [3]byte{byte('a' + i%26), byte('a' + i/26%26), byte('a' + i/(26*26))}
	}
	return t
}()

// nextExtra pads a record towards the average size, as NexmarkUtils does.
func nextExtra(b []byte, r *jrandom, currentSize, desiredAverageSize int) []byte {
	if currentSize > desiredAverageSize {
		return b
	}
	desiredAverageSize -= currentSize
	delta := int(math.Round(float64(desiredAverageSize) * 0.2))
	size := desiredAverageSize - delta
	if delta != 0 {
		size += int(r.intn(int32(2 * delta)))
	}
	return nextExactString(b, r, size)
}

func nextPrice(r *jrandom) int64 { return int64(math.Round(pow10(r.float64()*6) * 100)) }

// ln10 is math.Log(10), which math.Pow(10, y) computes at every call.
var ln10 = math.Log(10)

// pow10 is math.Pow(10, y) for 0 <= y < 6, bit for bit: Go's algorithm (pow.go) without
// the special cases and with Log(10) computed once. Prices drew a fifth of a bid's time
// in Pow.
func pow10(y float64) float64 {
	yi, yf := math.Modf(y)
	a1, ae := 1.0, 0
	if yf != 0 {
		if yf > 0.5 {
			yf--
			yi++
		}
		a1 = math.Exp(yf * ln10)
	}
	x1, xe := math.Frexp(10)
	for i := int64(yi); i != 0; i >>= 1 {
		if i&1 == 1 {
			a1 *= x1
			ae += xe
		}
		x1 *= x1
		xe <<= 1
		if x1 < .5 {
			x1 += x1
			xe--
		}
	}
	return math.Ldexp(a1, ae)
}

// lastBase0PersonID is the id (from 0) of the last person generated by event n.
func lastBase0PersonID(n int64) int64 {
	epoch, offset := n/totalProportion, n%totalProportion
	if offset >= personProportion {
		offset = personProportion - 1
	}
	return epoch*personProportion + offset
}

// lastBase0AuctionID is the id (from 0) of the last auction generated by event n; -1 for
// event 0.
func lastBase0AuctionID(n int64) int64 {
	epoch, offset := n/totalProportion, n%totalProportion
	switch {
	case offset < personProportion:
		epoch--
		offset = auctionProportion - 1
	case offset >= personProportion+auctionProportion:
		offset = auctionProportion - 1
	default:
		offset -= personProportion
	}
	return epoch*auctionProportion + offset
}

// nextBase0PersonID is one of the last numActivePeople people. Beam also draws from the next
// 10 people not yet generated (PERSON_ID_LEAD); this generator does not, so that every
// seller and bidder exists when it is named.
func nextBase0PersonID(n int64, r *jrandom) int64 {
	people := lastBase0PersonID(n) + 1
	active := min(people, numActivePeople)
	return people - active + r.longn(active)
}

// nextBase0AuctionID is one of the last numInFlightAuctions auctions (without Beam's
// AUCTION_ID_LEAD, as for people).
func nextBase0AuctionID(n int64, r *jrandom) int64 {
	last := lastBase0AuctionID(n)
	lo := max(last-numInFlightAuctions, 0)
	return lo + r.longn(last-lo+1)
}

// baseURL is a channel's URL as BidGenerator's getBaseUrl makes it.
func baseURL(r *jrandom) string {
	b := []byte("https://www.nexmark.com/")
	b = nextString(b, r, 5, '_')
	b = append(b, '/')
	b = nextString(b, r, 5, '_')
	b = append(b, '/')
	b = nextString(b, r, 5, '_')
	return string(append(b, "/item.htm?query=1"...))
}

// channelURLs caches every channel's URL, as BidGenerator's CHANNEL_URL_CACHE does, built
// from a Random seeded with the channel number so that it depends on nothing else.
var channelURLs = func() []string {
	u := make([]string, channelsNumber)
	for i := range u {
		r := newRandom(int64(i))
		s := baseURL(&r)
		if r.intn(10) > 0 {
			s += "&channel_id=" + strconv.FormatInt(int64(absInt32(int32(bits.Reverse32(uint32(i))))), 10)
		}
		u[i] = s
	}
	return u
}()

var channelNames = func() []string {
	c := make([]string, channelsNumber)
	for i := range c {
		c[i] = "channel-" + strconv.Itoa(i)
	}
	return c
}()

func absInt32(v int32) int32 {
	if v < 0 {
		return -v // Java's Math.abs: MinInt32 stays negative
	}
	return v
}

// Table is one of the three kinds of Nexmark events.
type Table int

const (
	Person Table = iota
	Auction
	Bid
)

// TableOf is the kind of event n.
func TableOf(n int64) Table {
	switch rem := n % totalProportion; {
	case rem < personProportion:
		return Person
	case rem < personProportion+auctionProportion:
		return Auction
	}
	return Bid
}

// Columns are the reference schema's columns of each table, in its order, with their types:
// the connector spec's, which the compiler checks declared columns against.
var Columns = func() (c [3][]connector.Column) {
	spec, _ := connector.Lookup(connector.Source, "nexmark")
	for t, name := range []string{Person: "person", Auction: "auction", Bid: "bid"} {
		c[t] = spec.Schema.Tables[name]
	}
	return c
}()

// Event holds one generated event's values; strings are slices of buf, valid until the
// next Generate. Field indexes follow Columns.
type Event struct {
	Table Table
	Ints  [10]int64 // BIGINT and TIMESTAMP (milliseconds) columns by column index
	Strs  [10][]byte
	buf   []byte
	// at and set are where the string columns are in the buffer the event was appended to;
	// a column in lit is a constant string instead (a bid's channel and URL).
	at  [10][2]int
	set [10]bool
	lit [10]string
}

// Config is what the events depend on besides their number.
type Config struct {
	Seed   int64
	BaseMs int64 // the time of event 0, milliseconds since the epoch
	Rate   int64 // events per second the timestamps are spaced by
}

// timestamp is event n's time in milliseconds, on the schedule.
func (c *Config) timestamp(n int64) int64 { return c.BaseMs + n*1000/c.Rate }

// Generate fills e with event n.
func (c *Config) Generate(e *Event, n int64) {
	b := c.generate(e, n, e.buf[:0], true)
	for j := range Columns[e.Table] {
		if e.lit[j] != "" {
			s := len(b)
			b = append(b, e.lit[j]...)
			e.at[j], e.set[j] = [2]int{s, len(b)}, true
		}
	}
	e.buf = b
	for j := range Columns[e.Table] {
		if e.set[j] {
			e.Strs[j] = b[e.at[j][0]:e.at[j][1]:e.at[j][1]]
		} else {
			e.Strs[j] = nil
		}
	}
}

// generate fills e's numbers with event n and appends its strings to b, saying where in
// e.at: a chunk appends every row's strings to one buffer. Without extra it leaves out the
// extra column, the event's last draw, so that the others are the same.
func (c *Config) generate(e *Event, n int64, b []byte, extra bool) []byte {
	r := newRandom(n + c.Seed*0x5851F42D4C957F2D)
	ts := c.timestamp(n)
	e.Table = TableOf(n)
	e.set, e.lit = [10]bool{}, [10]string{}
	start := len(b)
	mark := func(j, start int) { e.at[j], e.set[j] = [2]int{start, len(b)}, true }
	switch e.Table {
	case Person:
		e.Ints[0] = lastBase0PersonID(n) + firstPersonID
		s := len(b)
		b = append(b, firstNames[r.intn(int32(len(firstNames)))]...)
		b = append(b, ' ')
		b = append(b, lastNames[r.intn(int32(len(lastNames)))]...)
		mark(1, s)
		s = len(b)
		b = nextString(b, &r, 7, ' ')
		b = append(b, '@')
		b = nextString(b, &r, 5, ' ')
		b = append(b, ".com"...)
		mark(2, s)
		s = len(b)
		for i := range 4 {
			if i > 0 {
				b = append(b, ' ')
			}
			v := r.intn(10000)
			for d := int32(1000); d > 0; d /= 10 {
				b = append(b, byte('0'+v/d%10))
			}
		}
		mark(3, s)
		s = len(b)
		b = append(b, usCities[r.intn(int32(len(usCities)))]...)
		mark(4, s)
		s = len(b)
		b = append(b, usStates[r.intn(int32(len(usStates)))]...)
		mark(5, s)
		e.Ints[6] = ts
		size := 8 + len(b) - start
		s = len(b)
		if extra {
			b = nextExtra(b, &r, size, avgPersonByteSize)
		}
		mark(7, s)
	case Auction:
		e.Ints[0] = lastBase0AuctionID(n) + firstAuctionID
		var seller int64
		if r.intn(hotSellersRatio) > 0 {
			seller = lastBase0PersonID(n) / hotSellerRatio * hotSellerRatio
		} else {
			seller = nextBase0PersonID(n, &r)
		}
		e.Ints[7] = seller + firstPersonID
		e.Ints[8] = firstCategoryID + int64(r.intn(numCategories))
		e.Ints[3] = nextPrice(&r)
		horizon := c.timestamp(n+numInFlightAuctions*totalProportion/auctionProportion) - ts
		e.Ints[6] = ts + 1 + r.longn(max(horizon*2, 1))
		s := len(b)
		b = nextString(b, &r, 20, ' ')
		mark(1, s)
		s = len(b)
		b = nextString(b, &r, 100, ' ')
		mark(2, s)
		e.Ints[4] = e.Ints[3] + nextPrice(&r)
		e.Ints[5] = ts
		size := 8 + len(b) - start + 5*8
		s = len(b)
		if extra {
			b = nextExtra(b, &r, size, avgAuctionByteSize)
		}
		mark(9, s)
	default:
		var auction int64
		if r.intn(hotAuctionRatio) > 0 {
			auction = lastBase0AuctionID(n) / hotAuctionIDRatio * hotAuctionIDRatio
		} else {
			auction = nextBase0AuctionID(n, &r)
		}
		e.Ints[0] = auction + firstAuctionID
		var bidder int64
		if r.intn(hotBiddersRatio) > 0 {
			// Beam adds 1, naming person 1 before it exists: capped at the last person.
			bidder = min(lastBase0PersonID(n)/hotBidderIDRatio*hotBidderIDRatio+1, lastBase0PersonID(n))
		} else {
			bidder = nextBase0PersonID(n, &r)
		}
		e.Ints[1] = bidder + firstPersonID
		e.Ints[2] = nextPrice(&r)
		var channel, url string
		if r.intn(hotChannelsRatio) > 0 {
			i := r.intn(int32(len(hotChannels)))
			channel, url = hotChannels[i], hotURLs[i]
		} else {
			i := r.intn(channelsNumber)
			channel, url = channelNames[i], channelURLs[i]
		}
		e.lit[3], e.lit[4] = channel, url
		e.Ints[5] = ts
		s := len(b)
		if extra {
			b = nextExtra(b, &r, 32, avgBidByteSize)
		}
		mark(6, s)
	}
	return b
}
